"""The details form and the booking itself.

No cookie and no session: the chosen slot and the booking's idempotency key travel
in a signed, expiring form token. The widget itself makes sure the key is sent
upstream at most once (claims.py): a double submit, a reload or a second instance
shows the first submission's outcome instead of booking again. The key is also the
appointment's `customId`, so a lost answer is resolved by looking it up.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from flask import abort, current_app, g, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from booking_app import metrics
from booking_app.booking import claims
from booking_app.booking.attachments import (
    ACCEPT,
    Attachment,
    attachment_error_text,
    attachment_mode,
    read_attachment,
    request_limit,
    send_attachment,
)
from booking_app.booking.blueprint import bp
from booking_app.booking.confirmation import confirmation_url
from booking_app.booking.confirming import (
    booked_outcome,
    cancelled_page,
    confirming_page,
    expected,
    held_outcome,
    held_page,
    show_recorded,
)
from booking_app.booking.entities import chosen_entity, entity_resource_ids
from booking_app.booking.form import (
    FormFlags,
    booking_body,
    country_choices,
    field_error_text,
    field_label,
    validate_details,
)
from booking_app.booking.seats import (
    book_more_seats,
    max_seats,
    read_seats,
    seats_error_text,
)
from booking_app.booking.submit import Outcome, send_booking
from booking_app.moduleapi import ModuleApiError, models
from booking_app.web.csrf import same_origin
from booking_app.web.dates import day_label
from booking_app.web.embed_params import utm_parameters
from booking_app.web.i18n import _
from booking_app.web.lookup import Service, check_ids, get_client, load_service, unavailable
from booking_app.web.month import next_free_day
from booking_app.web.once import run_once
from booking_app.web.slot_choice import chosen_slot, chosen_time
from booking_app.web.state import FORM_TOKENS, FormState, PendingState
from booking_app.web.timezones import business_zone, customer_zone
from booking_app.web.tokens import InvalidToken
from booking_app.web.viewmodels import format_span, format_total, resource_name, service_view
from booking_app.web.week import group_by_day, staff_step

FORM_MAX_AGE = 2 * 3600


def _render(
    service: Service,
    form: FormState,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    notice: str = "",
) -> Any:
    """The details form for `form` (a fresh token of it), with `values` and `errors`."""
    lang, organization, template = service.lang, service.organization, service.template
    zone = customer_zone(form.zone, None, organization.time_zone)
    end = expected(service, form).appointment("").end
    return render_template(
        "details.html",
        organization=organization,
        service=service_view(template, lang, organization.language),
        when=format_span(form.start, end, zone, lang),
        zone_name=get_timezone_name(zone, locale=lang),
        token=FORM_TOKENS.sign(form),
        flags=FormFlags.of(template),
        countries=country_choices(lang) if template.customer_address_required else (),
        default_country=organization.country,
        values=values,
        errors=errors,
        error_texts={name: _error_text(name, key) for name, key in errors.items()},
        seats_cap=form.seats_cap,
        seat_prices=[format_total(template, n, lang) for n in range(1, form.seats_cap + 1)],
        slot_id=form.slot_id,
        attachment=attachment_mode(template),
        accept=ACCEPT,
        label=field_label,
        notice=notice,
        back_args={
            "tz": zone.key,
            "staff": form.staff or None,
            "day": form.start.astimezone(zone).date().isoformat(),
        },
        staff_label=_staff_label(service, form.staff),
    ), status


def _staff_label(service: Service, staff: str) -> str | None:
    """Whom the customer chose ("" for anyone), or None when the service offers no
    choice of staff."""
    step = staff_step(service.template)
    if step is None:
        return None
    language = service.organization.language
    names = {r.id: resource_name(r, service.lang, language) for r in step[1].resources}
    return names.get(staff, "")


def _error_text(name: str, key: str) -> str:
    if name == "attachment":
        return attachment_error_text(key)
    if name == "seats":
        return seats_error_text(key)
    return field_error_text(name, key)


@bp.get("/<lang>/o/<org_id>/s/<template_id>/book")
def details(lang: str, org_id: str, template_id: str) -> Any:
    """The details form for the slot chosen in the week view."""
    check_ids(org_id, template_id)
    start = chosen_time(request.args.get("s", ""))
    service = load_service(lang, org_id, template_id)
    organization, template = service.organization, service.template
    zone = customer_zone(request.args.get("tz"), None, organization.time_zone)
    staff = request.args.get("staff", "")[:32]
    allowed = entity_resource_ids(get_client(), org_id, chosen_entity(request.args.get("e")), lang)
    slot = chosen_slot(
        lang, org_id, template, organization.time_zone, start, staff=staff, allowed=allowed
    )
    if slot is None:  # taken since the times were shown: that day again
        day = start.astimezone(zone).date().isoformat()
        args: dict[str, Any] = {"day": day, "tz": zone.key, "staff": staff or None, "gone": 1}
        return redirect(
            url_for("booking.slots", lang=lang, org_id=org_id, template_id=template_id, **args),
            303,
        )
    left = slot.seats_left
    form = FormState(
        org_id=org_id,
        template_id=template_id,
        slot_id=slot.id,
        start=start,
        custom_id=secrets.token_hex(16),  # the idempotency key: the appointment's customId
        zone=zone.key,
        staff=staff,
        # signed: the form may offer this many seats
        seats_cap=min(max_seats(template), left) if left else max_seats(template),
        campaign=utm_parameters(request.args) or None,  # for additionalData
    )
    return _render(service, form, {}, {})


@dataclass(frozen=True)
class Submission:
    """A valid details form: the customer's values, seats and file."""

    values: dict[str, str]
    seats: int
    attachment: Attachment | None

    def body_for(self, service: Service, form: FormState, custom_id: str) -> dict[str, Any]:
        """The `appointment/add` body of this submission under `custom_id`."""
        return booking_body(
            self.values,
            FormFlags.of(service.template),
            slot_id=form.slot_id,
            custom_id=custom_id,
            locale=service.lang,
            additional_data=form.campaign,
        )


def _stop(body: Any, status: int) -> NoReturn:
    abort(make_response(body, status))


def _read_token(service: Service) -> FormState:
    """The form's signed state, or stop: 413 (file too large), 410 (expired), 404."""
    try:
        sent = request.form.get("token", "")
    except RequestEntityTooLarge:
        _stop(
            render_template(
                "error.html",
                title=_("This file is too large"),
                detail=_("Files can be up to 4 MB. Please go back and choose a smaller file."),
            ),
            413,
        )
    try:
        form = FORM_TOKENS.load(sent, max_age=FORM_MAX_AGE)
    except InvalidToken:
        ids: dict[str, Any] = {
            "lang": service.lang,
            "org_id": service.org_id,
            "template_id": service.template_id,
        }
        _stop(
            render_template(
                "error.html",
                title=_("This form has expired"),
                detail=_(
                    "For your security, booking forms are valid for two hours. "
                    "Please choose your time again."
                ),
                link=url_for("booking.slots", **ids),
                link_text=_("Choose a time"),
            ),
            410,
        )
    if form.org_id != service.org_id or form.template_id != service.template_id:
        abort(404)
    return form


def _read_submission(service: Service, form: FormState) -> Submission:
    """The valid submission, or stop with the form and its errors (400)."""
    mode = attachment_mode(service.template)
    values, errors = validate_details(FormFlags.of(service.template), request.form)
    attachment, attachment_error = read_attachment(request.files.get("attachment"), mode)
    if attachment_error:
        errors["attachment"] = attachment_error
    seats, seats_error = read_seats(request.form, form.seats_cap)
    values["seats"] = str(seats)
    if seats_error:
        errors["seats"] = seats_error
    if errors:
        g.rate_counted = False  # a genuine form with mistakes: nothing was sent
        _stop(*_render(service, form, values, errors, 400))
    return Submission(values, seats, attachment)


def _not_booked(service: Service, form: FormState, submission: Submission, outcome: Outcome) -> Any:
    """The page for an outcome that booked nothing."""
    values = submission.values
    if outcome.kind == "taken":
        return _slot_taken(service, form, values)
    if outcome.kind == "refused":
        return _render(service, form, values, outcome.field_errors or {}, 400)
    notice = _(
        "We could not reach the booking system, so your booking "
        "is not made yet. Your details are kept: please try again."
    )
    return _render(service, form, values, {}, 503, notice=notice)


def _attach(service: Service, appointment: models.Appointment, file: Attachment) -> bool:
    """Send the customer's file with the booking (once); whether it arrived."""
    client, org_id = get_client(), service.org_id
    outcome = run_once(
        f"attach:{org_id}:{appointment.id}",
        lambda: send_attachment(client, org_id, appointment, file, service.lang),
        keep=lambda outcome: bool(outcome.get("ok")),  # a failed upload may be retried
    )
    return bool(outcome.get("ok"))


@bp.post("/<lang>/o/<org_id>/s/<template_id>/book")
def book(lang: str, org_id: str, template_id: str) -> Any:
    """Validate, book exactly once, and redirect to the confirmation.

    Only the request that claims the form's key sends it upstream; duplicates wait for
    its outcome and show it (claims.py). A form refused by validation, and a
    duplicate, do not count against the rate limit."""
    check_ids(org_id, template_id)
    if not same_origin():
        abort(403)
    service = load_service(lang, org_id, template_id)
    mode = attachment_mode(service.template)
    # Only a service that takes a file accepts a body that large.
    request.max_content_length = request_limit(mode, current_app.config["MAX_CONTENT_LENGTH"])
    # Werkzeug counts an uploaded file against the form memory limit too.
    request.max_form_memory_size = request_limit(mode, current_app.config["MAX_FORM_MEMORY_SIZE"])
    form = _read_token(service)
    submission = _read_submission(service, form)
    for _attempt in range(3):  # a released claim (nothing booked) may be claimed again
        claim = claims.claim(org_id, form.custom_id)
        if claim.owned:
            g.rate_counted = True
            return _book_as_owner(service, form, submission, claim.key)
        g.rate_counted = False  # a duplicate: the first submission counted
        record = claim.record
        if record is None or record.get("state") == "pending":
            record = claims.wait_for_outcome(claim.key)
        if record is not None:
            metrics.count_booking("deduplicated")
            return show_recorded(service, form, record, submission.seats)
    metrics.count_booking("failed")
    unavailable()


def _book_as_owner(service: Service, form: FormState, submission: Submission, key: str) -> Any:
    """Send the booking (all its seats and its file) and record what it came to. A
    failure after the first write was sent leaves the outcome "unknown" (the
    confirming page resolves it), never a claim that hides a booking."""
    since = int(time.time())
    sent = False

    def mark_sent() -> None:
        nonlocal sent
        sent = True

    try:
        return _send_all(service, form, submission, key, since, mark_sent)
    except BaseException:
        record = claims.read(key)
        if record is not None and record.get("state") == "pending":
            metrics.count_booking("unknown" if sent else "failed")
            if sent:
                claims.record_unknown(key, since)
            else:
                claims.release(key)
        raise


def _send_all(
    service: Service,
    form: FormState,
    submission: Submission,
    key: str,
    since: int,
    mark_sent: Callable[[], None],
) -> Any:
    client, lang, org_id = get_client(), service.lang, service.org_id
    known = expected(service, form)
    body = submission.body_for(service, form, form.custom_id)
    outcome = send_booking(client, org_id, body, known, lang)
    if outcome.kind not in ("taken", "refused", "unreached"):
        mark_sent()
    if outcome.kind == "cancelled":
        metrics.count_booking("cancelled")
        claims.record_outcome(key, {"kind": "cancelled"})
        return cancelled_page(service, form)
    if outcome.kind == "unknown":
        metrics.count_booking("unknown")
        claims.record_unknown(key, since)
        return confirming_page(service, PendingState(form, since, submission.seats))
    appointment = outcome.appointment
    if outcome.kind != "booked" or appointment is None:
        metrics.count_booking("failed" if outcome.kind == "unreached" else "refused")
        claims.release(key)
        return _not_booked(service, form, submission, outcome)
    group = [appointment]
    if submission.seats > 1:
        seats = book_more_seats(
            client,
            org_id,
            appointment,
            submission.seats,
            lambda custom_id: submission.body_for(service, form, custom_id),
            key=form.custom_id,
            lang=lang,
            expected=known,
        )
        if seats.group is None and seats.held:
            metrics.count_booking("partial")
            claims.record_outcome(key, held_outcome(seats.held))
            return held_page(service, form, seats.held, submission.seats)
        if seats.group is None:  # all rolled back: say so, keep the details
            metrics.count_booking("refused")
            claims.release(key)
            return _render(service, form, submission.values, {"seats": "too_few_left"}, 409)
        group = seats.group
    attached = (
        _attach(service, appointment, submission.attachment) if submission.attachment else None
    )
    url = confirmation_url(
        lang,
        form,
        appointment,
        attached=attached,
        group=[a.id for a in group[1:]],
        email=submission.values.get("email", ""),
    )
    metrics.count_booking("made")
    claims.record_outcome(key, booked_outcome(url, appointment))
    return redirect(url, 303)


def _slot_taken(service: Service, form: FormState, values: dict[str, str]) -> Any:
    """409: the time was taken meanwhile. Offer that day's other free times; picking one
    re-opens the form with everything the customer typed (sent back in the POST body,
    never in a URL)."""
    lang, organization = service.lang, service.organization
    zone = customer_zone(form.zone, None, organization.time_zone)
    day = form.start.astimezone(business_zone(organization.time_zone)).date()
    try:
        found = get_client().list_day(
            form.org_id, form.template_id, day.year, day.month, day.day, lang=lang
        )
        days = group_by_day(found.slots, zone, day, lang, form.staff)
    except ModuleApiError:
        days = []
    choices = [s for d in days for s in d.slots if s.slot_id != form.slot_id and not s.full]
    next_day = None if choices else _next_free_day(service, form, zone)
    return render_template(
        "slot_taken.html",
        organization=organization,
        service=service_view(service.template, lang, organization.language),
        taken_when=format_span(form.start, expected(service, form).appointment("").end, zone, lang),
        choices=choices,
        next_day=next_day,
        values=values,
        token=FORM_TOKENS.sign(form),
        week_url=url_for(
            "booking.slots",
            lang=lang,
            org_id=form.org_id,
            template_id=form.template_id,
            day=form.start.astimezone(zone).date().isoformat(),
            tz=zone.key,
            staff=form.staff or None,
        ),
    ), 409


def _next_free_day(service: Service, form: FormState, zone: ZoneInfo) -> tuple[str, str] | None:
    """(URL, label) of the first later day with a free time of this staff, for a form
    whose time was taken with no other time left that day."""
    org_zone = business_zone(service.organization.time_zone)
    found = next_free_day(
        form.org_id,
        form.template_id,
        form.start,
        zone=zone,
        org_zone=org_zone,
        staff=form.staff,
        lang=service.lang,
    )
    if found is None:
        return None
    url = url_for(
        "booking.slots",
        lang=service.lang,
        org_id=form.org_id,
        template_id=form.template_id,
        day=found.isoformat(),
        tz=zone.key,
        staff=form.staff or None,
    )
    return url, day_label(found, service.lang)


@bp.post("/<lang>/o/<org_id>/s/<template_id>/book/again")
def book_again(lang: str, org_id: str, template_id: str) -> Any:
    """The details form for another time, pre-filled with what was typed before."""
    check_ids(org_id, template_id)
    if not same_origin():
        abort(403)
    try:
        old = FORM_TOKENS.load(request.form.get("token", ""), max_age=FORM_MAX_AGE)
    except InvalidToken:
        abort(410)
    if old.org_id != org_id or old.template_id != template_id:
        abort(404)
    start = chosen_time(request.form.get("s", ""))
    service = load_service(lang, org_id, template_id)
    values, _errors = validate_details(FormFlags.of(service.template), request.form)
    time_zone = service.organization.time_zone
    slot = chosen_slot(lang, org_id, service.template, time_zone, start, staff=old.staff)
    if slot is None:  # that one went too: offer the day's times again
        return _slot_taken(service, replace(old, start=start), values)
    # A new time is a new booking: a new idempotency key.
    form = replace(old, slot_id=slot.id, start=start, custom_id=secrets.token_hex(16))
    return _render(service, form, values, {})
