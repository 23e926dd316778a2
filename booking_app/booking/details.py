"""The details form and the booking itself.

No cookie and no session: the chosen slot and the booking's idempotency key travel
in a signed, expiring form token. The key is sent as the appointment's `customId`,
so a double submit, a reload or a retry after a lost answer finds the appointment
already made instead of making a second one.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from babel.dates import format_datetime, get_timezone_name
from flask import abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from booking_app.booking.attachments import (
    ACCEPT,
    attachment_error_text,
    attachment_mode,
    read_attachment,
    request_limit,
    send_attachment,
)
from booking_app.booking.blueprint import bp, check_ids, get_client, load_service, unavailable
from booking_app.booking.entities import chosen_entity, entity_resource_ids
from booking_app.booking.form import (
    UPSTREAM_FIELDS,
    FormFlags,
    booking_body,
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
from booking_app.booking.slots import decode_start, find_slot, group_by_day, week_label, week_of
from booking_app.booking.timezones import business_zone, customer_zone
from booking_app.booking.viewmodels import service_view
from booking_app.embed.params import utm_parameters
from booking_app.i18n import _
from booking_app.moduleapi import (
    ApiConnectionError,
    ConflictError,
    ModuleApiError,
    NotFoundError,
    ServerError,
    ValidationError,
    models,
)
from booking_app.once import run_once
from booking_app.tokens import FORM_SALT, InvalidToken, TokenSigner

FORM_MAX_AGE = 2 * 3600


def form_signer() -> TokenSigner:
    """The signer of details-form tokens."""
    return TokenSigner(current_app.config["SECRET_KEY"], FORM_SALT)


def chosen_time(value: str) -> datetime:
    """The start a week view's button sent (`encode_start`), or 404."""
    start = decode_start(value)
    if start is None:
        abort(404)
    return start


def chosen_slot(
    lang: str,
    org_id: str,
    template: models.BookingTemplate,
    org_time_zone: str,
    start: datetime,
    staff: str = "",
    entity: str | None = None,
) -> models.BookingSlot | None:
    """The bookable slot at `start` (with `staff`, within the custom `entity`'s
    resources); None when that time is no longer free, 503 when the upstream cannot
    say."""
    client = get_client()
    try:
        allowed = entity_resource_ids(client, org_id, chosen_entity(entity), lang)
        return find_slot(
            org_id,
            template.id,
            start,
            business_zone(org_time_zone),
            lang,
            staff=staff,
            allowed=allowed,
        )
    except ModuleApiError:
        unavailable()


def _slot_start(value: str | None) -> datetime:
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        abort(404)
    if start.tzinfo is None:
        abort(404)
    return start


def _render(
    lang: str,
    organization: Any,
    template: models.BookingTemplate,
    payload: dict[str, Any],
    token: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    notice: str = "",
) -> Any:
    zone = customer_zone(payload.get("z"), None, organization.time_zone)
    start = _slot_start(payload.get("a")).astimezone(zone)
    flags = FormFlags.of(template)
    return render_template(
        "details.html",
        organization=organization,
        service=service_view(template, lang, organization.language),
        when=format_datetime(start, format="full", locale=lang)
        .replace(format_datetime(start, "zzzz", locale=lang), "")
        .strip(" ,"),
        zone_name=get_timezone_name(zone, locale=lang),
        token=token,
        flags=flags,
        values=values,
        errors=errors,
        error_texts={name: _error_text(name, key) for name, key in errors.items()},
        seats_cap=int(payload.get("n", 1)),
        slot_id=payload.get("s", ""),
        attachment=attachment_mode(template),
        accept=ACCEPT,
        label=field_label,
        notice=notice,
        back_args={"tz": zone.key, "staff": payload.get("st") or None},
    ), status


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
    organization, template = load_service(lang, org_id, template_id)
    zone = customer_zone(request.args.get("tz"), None, organization.time_zone)
    staff = request.args.get("staff", "")[:32]
    slot = chosen_slot(
        lang, org_id, template, organization.time_zone, start, staff, request.args.get("e")
    )
    if slot is None:  # taken since the week view was shown
        week = week_of(start, business_zone(organization.time_zone))
        args: dict[str, Any] = {"week": week, "tz": zone.key, "staff": staff or None, "gone": 1}
        return redirect(
            url_for("booking.slots", lang=lang, org_id=org_id, template_id=template_id, **args),
            303,
        )
    payload: dict[str, Any] = {
        "o": org_id,
        "t": template_id,
        "s": slot.id,
        "a": start.isoformat(),
        "k": secrets.token_hex(16),  # the idempotency key: the appointment's customId
        "z": zone.key,
        "st": staff,
    }
    left = slot.seats_left
    cap = min(max_seats(template), left) if left else max_seats(template)
    if cap > 1:
        payload["n"] = cap  # signed: the form may offer this many seats
    utm = utm_parameters(request.args)  # the host page's campaign, for additionalData
    signed: dict[str, Any] = {**payload, "u": utm} if utm else payload
    return _render(lang, organization, template, signed, form_signer().sign(signed), {}, {})


def same_origin() -> bool:
    """The CSRF check that needs no cookie: browsers say where a POST comes from."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.host
    return True


@bp.post("/<lang>/o/<org_id>/s/<template_id>/book")
def book(lang: str, org_id: str, template_id: str) -> Any:
    """Validate, book once, and redirect to the confirmation."""
    check_ids(org_id, template_id)
    if not same_origin():
        abort(403)
    organization, template = load_service(lang, org_id, template_id)
    mode = attachment_mode(template)
    # Only a service that takes a file accepts a body that large.
    request.max_content_length = request_limit(mode, current_app.config["MAX_CONTENT_LENGTH"])
    # Werkzeug counts an uploaded file against the form memory limit too.
    request.max_form_memory_size = request_limit(mode, current_app.config["MAX_FORM_MEMORY_SIZE"])
    try:
        sent = request.form.get("token", "")
    except RequestEntityTooLarge:
        return render_template(
            "error.html",
            title=_("This file is too large"),
            detail=_("Files can be up to 4 MB. Please go back and choose a smaller file."),
        ), 413
    try:
        payload = form_signer().load(sent, max_age=FORM_MAX_AGE)
    except InvalidToken:
        return render_template(
            "error.html",
            title=_("This form has expired"),
            detail=_(
                "For your security, booking forms are valid for two hours. "
                "Please choose your time again."
            ),
            link=url_for("booking.slots", lang=lang, org_id=org_id, template_id=template_id),
            link_text=_("Choose a time"),
        ), 410
    if payload.get("o") != org_id or payload.get("t") != template_id:
        abort(404)
    token = request.form["token"]
    flags = FormFlags.of(template)
    values, errors = validate_details(flags, request.form)
    attachment, attachment_error = read_attachment(request.files.get("attachment"), mode)
    if attachment_error:
        errors["attachment"] = attachment_error
    seats, seats_error = read_seats(request.form, int(payload.get("n", 1)))
    values["seats"] = str(seats)
    if seats_error:
        errors["seats"] = seats_error
    if errors:
        return _render(lang, organization, template, payload, token, values, errors, 400)

    def body_for(custom_id: str) -> dict[str, Any]:
        return booking_body(
            values,
            flags,
            slot_id=payload["s"],
            custom_id=custom_id,
            locale=lang,
            additional_data=payload.get("u"),
        )

    body = body_for(payload["k"])
    client = get_client()
    appointment: models.Appointment | None
    try:
        appointment = client.add_appointment(org_id, body, template_id=template_id, lang=lang)
    except ConflictError as conflict:
        if any(p == "customId" for p, _t in conflict.failures):
            appointment = _find(org_id, payload["k"], lang)  # booked already: show it
            if appointment is None:
                unavailable()
        else:
            return _slot_taken(lang, org_id, template_id, payload, values)
    except ValidationError as refused:
        upstream = {
            UPSTREAM_FIELDS[p]: "invalid" for p, _t in refused.failures if p in UPSTREAM_FIELDS
        }
        if not upstream:
            return _slot_taken(lang, org_id, template_id, payload, values)
        return _render(lang, organization, template, payload, token, values, upstream, 400)
    except (ApiConnectionError, ServerError):
        # The answer was lost: the booking may or may not exist. Ask before saying so.
        appointment = _find(org_id, payload["k"], lang)
        if appointment is None:
            return _render(
                lang,
                organization,
                template,
                payload,
                token,
                values,
                {},
                503,
                notice=_(
                    "We could not reach the booking system, so your booking "
                    "is not made yet. Your details are kept: please try again."
                ),
            )
    except ModuleApiError:
        unavailable()
    if appointment is None:
        unavailable()
    group = [appointment]
    if seats > 1:
        more = book_more_seats(client, org_id, appointment, seats, body_for, payload["k"], lang)
        if more is None:  # rolled back: say so, keep the details
            errors = {"seats": "too_few_left"}
            return _render(lang, organization, template, payload, token, values, errors, 409)
        group = more
    attached = None
    if attachment is not None:
        booked, file = appointment, attachment
        outcome = run_once(
            f"attach:{org_id}:{booked.id}",
            lambda: send_attachment(client, org_id, booked, file, lang),
        )
        attached = bool(outcome.get("ok"))
    from booking_app.booking.confirmation import confirmation_url

    url = confirmation_url(
        lang,
        org_id,
        template_id,
        appointment,
        payload,
        attached=attached,
        group=[a.id for a in group[1:]],
    )
    return redirect(url, 303)


def _find(org_id: str, custom_id: str, lang: str) -> models.Appointment | None:
    try:
        return get_client().identify_appointment(org_id, custom_id, lang=lang)
    except NotFoundError:
        return None
    except ModuleApiError:
        return None


def _slot_taken(
    lang: str, org_id: str, template_id: str, payload: dict[str, Any], values: dict[str, str]
) -> Any:
    """409: the time was taken meanwhile. Offer that day's other free times; picking one
    re-opens the form with everything the customer typed (sent back in the POST body,
    never in a URL)."""
    organization, template = load_service(lang, org_id, template_id)
    zone = customer_zone(payload.get("z"), None, organization.time_zone)
    org_zone = business_zone(organization.time_zone)
    day = _slot_start(payload.get("a")).astimezone(org_zone).date()
    staff = payload.get("st") or ""
    try:
        found = get_client().list_day(org_id, template_id, day.year, day.month, day.day, lang=lang)
        days = group_by_day(found.slots, zone, day, lang, staff)
    except ModuleApiError:
        days = []
    choices = [s for d in days for s in d.slots if s.slot_id != payload.get("s") and not s.full]
    iso = day.isocalendar()
    return render_template(
        "slot_taken.html",
        organization=organization,
        service=service_view(template, lang, organization.language),
        choices=choices,
        values=values,
        token=form_signer().sign(payload),
        week_url=url_for(
            "booking.slots",
            lang=lang,
            org_id=org_id,
            template_id=template_id,
            week=week_label(iso.year, iso.week),
            tz=zone.key,
            staff=staff or None,
        ),
    ), 409


@bp.post("/<lang>/o/<org_id>/s/<template_id>/book/again")
def book_again(lang: str, org_id: str, template_id: str) -> Any:
    """The details form for another time, pre-filled with what was typed before."""
    check_ids(org_id, template_id)
    if not same_origin():
        abort(403)
    try:
        old = form_signer().load(request.form.get("token", ""), max_age=FORM_MAX_AGE)
    except InvalidToken:
        abort(410)
    if old.get("o") != org_id or old.get("t") != template_id:
        abort(404)
    start = chosen_time(request.form.get("s", ""))
    organization, template = load_service(lang, org_id, template_id)
    values, _errors = validate_details(FormFlags.of(template), request.form)
    slot = chosen_slot(lang, org_id, template, organization.time_zone, start, old.get("st", ""))
    if slot is None:  # that one went too: offer the day's times again
        return _slot_taken(lang, org_id, template_id, {**old, "a": start.isoformat()}, values)
    payload = {**old, "s": slot.id, "a": start.isoformat(), "k": secrets.token_hex(16)}
    return _render(lang, organization, template, payload, form_signer().sign(payload), values, {})
