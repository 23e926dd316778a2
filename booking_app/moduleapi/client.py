"""`ModuleApiClient`: one method per Module API route the widget uses.

Reads are cached (entities for minutes, slot lists for seconds) with stale-if-error;
a booking through this client drops the slot caches of its template. Writes are
sent exactly once: the caller recovers a lost answer by `customId`.
"""

from __future__ import annotations

import base64
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from flask_caching.backends.simplecache import SimpleCache

from booking_app.moduleapi import envelope, models, schemas
from booking_app.moduleapi.breaker import CircuitBreaker
from booking_app.moduleapi.caching import ResponseCache
from booking_app.moduleapi.safecache import SafeCache
from booking_app.moduleapi.tokens import TokenProvider
from booking_app.moduleapi.transport import Transport

T = TypeVar("T")
API_LANGUAGES = ("en", "de")
ENTITY_TTL = 300
SLOT_TTL = 15
STATIC_TTL = 24 * 3600


def api_language(lang: str | None) -> str:
    """The API's `{lang}` for a UI language: `de` for German, else `en`."""
    base = (lang or "").replace("_", "-").split("-")[0].lower()
    return base if base in API_LANGUAGES else "en"


def _seg(value: str) -> str:
    """A path segment, escaped so no id can change the route."""
    return quote(str(value), safe="")


class ModuleApiClient:
    """A client of the Module API for one module (client id)."""

    def __init__(
        self,
        *,
        api_url: str,
        oauth_url: str,
        client_id: str,
        client_secret: str = "",
        module_id: str | None = None,
        cache: Any = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        max_retries: int = 2,
        transport: Transport | None = None,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 10.0,
    ) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.client_id = client_id
        self.module_id = module_id or client_id
        self.cache = SafeCache(cache if cache is not None else SimpleCache(threshold=5000))
        breaker = CircuitBreaker(
            self.cache,
            name=f"moduleapi:{client_id}",
            threshold=breaker_threshold,
            cooldown=breaker_cooldown,
        )
        self.transport = transport or Transport(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_retries=max_retries,
            breaker=breaker,
        )
        self.tokens = TokenProvider(
            transport=self.transport,
            cache=self.cache,
            oauth_url=oauth_url,
            client_id=client_id,
            client_secret=client_secret,
        )
        self.responses = ResponseCache(self.cache)

    # Plumbing --------------------------------------------------------------------------
    def request(
        self,
        method: str,
        org_id: str,
        path: str,
        *,
        route: str,
        lang: str | None = None,
        json: Any = None,
    ) -> Any:
        """Call `path` (relative to `{api}/{lang}/`) with `org_id`'s token; the content.

        A 401 renews the token and tries once more (the API did not act on it).
        """
        url = f"{self.api_url}{api_language(lang)}/{path}"
        for attempt in (1, 2):
            token = self.tokens.access_token(org_id)
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            }
            response, request_id = self.transport.send(
                method, url, route=route, headers=headers, json=json
            )
            if response.status_code == 401 and attempt == 1:
                self.tokens.invalidate(org_id, token)
                continue
            return envelope.read(response, request_id)
        raise AssertionError("unreachable")  # pragma: no cover

    def _cached(
        self,
        key: str,
        ttl: int,
        method_args: tuple[str, str, str, str | None],
        what: Any,
        loader: Any,
    ) -> Any:
        org_id, path, route, lang = method_args
        return self.responses.get_or_load(
            f"{key}:{self.client_id}:{org_id}:{api_language(lang)}:{path}",
            ttl,
            lambda: loader(what, self.request("GET", org_id, path, route=route, lang=lang)),
        )

    def _one(
        self,
        model: type[T],
        schema: Any,
        org_id: str,
        path: str,
        route: str,
        lang: str | None,
        ttl: int = ENTITY_TTL,
        what: str = "entity",
    ) -> T:
        value = self._cached(
            "one",
            ttl,
            (org_id, path, route, lang),
            what,
            lambda w, content: schemas.load_one(schema, content, w),
        )
        return _checked(model, value)

    def _list(
        self,
        model: type[T],
        schema: Any,
        org_id: str,
        path: str,
        route: str,
        lang: str | None,
        ttl: int = ENTITY_TTL,
        what: str = "entities",
    ) -> list[T]:
        return list(
            self._cached(
                "list",
                ttl,
                (org_id, path, route, lang),
                what,
                lambda w, content: tuple(schemas.load_list(schema, content, w)),
            )
        )

    # Organizations ---------------------------------------------------------------------
    def get_organization(self, org_id: str, *, lang: str | None = None) -> models.Organization:
        """The organization (cached for minutes)."""
        return self._one(
            models.Organization,
            schemas.OrganizationSchema,
            org_id,
            f"organization/{_seg(org_id)}/show",
            "organization/{orgId}/show",
            lang,
            what="organization",
        )

    def list_branches(self, org_id: str, *, lang: str | None = None) -> list[models.Organization]:
        """The organization's branches (sub-organizations)."""
        path = f"module/{_seg(self.module_id)}/organization/{_seg(org_id)}/organization/list"
        return self._list(
            models.Organization,
            schemas.OrganizationSchema,
            org_id,
            path,
            "module/{moduleId}/organization/{orgId}/organization/list",
            lang,
            what="branches",
        )

    def search_organizations(
        self, org_id: str, query: str, *, lang: str | None = None
    ) -> list[models.Organization]:
        """Organizations of this module matching `query` (with `org_id`'s token)."""
        path = f"module/{_seg(self.module_id)}/organization/filter?" + urlencode(
            {"searchQuery": query[:200]}
        )
        return self._list(
            models.Organization,
            schemas.OrganizationSchema,
            org_id,
            path,
            "module/{moduleId}/organization/filter",
            lang,
            ttl=60,
            what="organizations",
        )

    # Module configs --------------------------------------------------------------------
    def get_module_config(
        self, org_id: str, config_id: str, *, lang: str | None = None
    ) -> models.ModuleConfig:
        """A module config by id."""
        path = f"organization/{_seg(org_id)}/moduleConfig/{_seg(config_id)}/show"
        return self._one(
            models.ModuleConfig,
            schemas.ModuleConfigSchema,
            org_id,
            path,
            "organization/{orgId}/moduleConfig/{id}/show",
            lang,
            what="module config",
        )

    def identify_module_config(
        self, org_id: str, custom_id: str, *, lang: str | None = None
    ) -> models.ModuleConfig:
        """A module config by its customId."""
        path = f"organization/{_seg(org_id)}/moduleConfig/{_seg(custom_id)}/identify"
        return self._one(
            models.ModuleConfig,
            schemas.ModuleConfigSchema,
            org_id,
            path,
            "organization/{orgId}/moduleConfig/{customId}/identify",
            lang,
            what="module config",
        )

    # Templates and resources -----------------------------------------------------------
    def list_booking_templates(
        self, org_id: str, *, lang: str | None = None
    ) -> list[models.BookingTemplate]:
        """The organization's bookable services (cached for minutes)."""
        return self._list(
            models.BookingTemplate,
            schemas.BookingTemplateSchema,
            org_id,
            f"organization/{_seg(org_id)}/bookingTemplate/list",
            "organization/{orgId}/bookingTemplate/list",
            lang,
            what="booking templates",
        )

    def get_booking_template(
        self, org_id: str, template_id: str, *, lang: str | None = None
    ) -> models.BookingTemplate:
        """One service; served from the cached list when that is at hand."""
        path = f"organization/{_seg(org_id)}/bookingTemplate/{_seg(template_id)}/show"
        return self._one(
            models.BookingTemplate,
            schemas.BookingTemplateSchema,
            org_id,
            path,
            "organization/{orgId}/bookingTemplate/{id}/show",
            lang,
            what="booking template",
        )

    def list_resource_templates(
        self, org_id: str, resource_id: str, *, lang: str | None = None
    ) -> list[models.BookingTemplate]:
        """The services a resource (e.g. an employee) serves."""
        path = (
            f"organization/{_seg(org_id)}/bookingResource/{_seg(resource_id)}/bookingTemplate/list"
        )
        return self._list(
            models.BookingTemplate,
            schemas.BookingTemplateSchema,
            org_id,
            path,
            "organization/{orgId}/bookingResource/{id}/bookingTemplate/list",
            lang,
            what="booking templates",
        )

    def list_booking_resources(
        self, org_id: str, *, lang: str | None = None
    ) -> list[models.BookingResource]:
        """The organization's resources."""
        return self._list(
            models.BookingResource,
            schemas.BookingResourceSchema,
            org_id,
            f"organization/{_seg(org_id)}/bookingResource/list",
            "organization/{orgId}/bookingResource/list",
            lang,
            what="booking resources",
        )

    def get_booking_resource(
        self, org_id: str, resource_id: str, *, lang: str | None = None
    ) -> models.BookingResource:
        """One resource."""
        path = f"organization/{_seg(org_id)}/bookingResource/{_seg(resource_id)}/show"
        return self._one(
            models.BookingResource,
            schemas.BookingResourceSchema,
            org_id,
            path,
            "organization/{orgId}/bookingResource/{id}/show",
            lang,
            what="booking resource",
        )

    # Slots -----------------------------------------------------------------------------
    def _slot_path(self, org_id: str, template_id: str, tail: str) -> str:
        return f"organization/{_seg(org_id)}/bookingTemplate/{_seg(template_id)}/bookingSlot/{tail}"

    def _slots(
        self, org_id: str, template_id: str, tail: str, route: str, lang: str | None
    ) -> models.SlotRange:
        gen = self.responses.generation(f"slots:{org_id}:{template_id}")
        path = self._slot_path(org_id, template_id, tail)
        value = self._cached(
            f"slots:{gen}",
            SLOT_TTL,
            (org_id, path, route, lang),
            "slot list",
            lambda w, content: schemas.load_one(schemas.SlotRangeSchema, content, w),
        )
        return _checked(models.SlotRange, value)

    def list_week(
        self, org_id: str, template_id: str, year: int, week: int, *, lang: str | None = None
    ) -> models.SlotRange:
        """Free slots of an ISO week (cached for seconds)."""
        return self._slots(
            org_id,
            template_id,
            f"year/{int(year)}/week/{int(week)}/listWeek",
            "…/bookingSlot/year/{y}/week/{w}/listWeek",
            lang,
        )

    def list_day(
        self,
        org_id: str,
        template_id: str,
        year: int,
        month: int,
        day: int,
        *,
        lang: str | None = None,
    ) -> models.SlotRange:
        """Free slots of a day."""
        tail = f"year/{int(year)}/month/{int(month)}/day/{int(day)}/listDay"
        return self._slots(
            org_id, template_id, tail, "…/bookingSlot/year/{y}/month/{m}/day/{d}/listDay", lang
        )

    def list_month(
        self, org_id: str, template_id: str, year: int, month: int, *, lang: str | None = None
    ) -> models.SlotRange:
        """Free slots of a month."""
        return self._slots(
            org_id,
            template_id,
            f"year/{int(year)}/month/{int(month)}/listMonth",
            "…/bookingSlot/year/{y}/month/{m}/listMonth",
            lang,
        )

    def earliest_slot(
        self, org_id: str, template_id: str, *, lang: str | None = None
    ) -> models.BookingSlot | None:
        """The first free slot, or None when nothing is left in range."""
        gen = self.responses.generation(f"slots:{org_id}:{template_id}")
        path = self._slot_path(org_id, template_id, "earliest")
        found = self._cached(
            f"slots:{gen}",
            SLOT_TTL,
            (org_id, path, "…/bookingSlot/earliest", lang),
            "earliest slot",
            lambda w, c: False if c is None else schemas.load_one(schemas.BookingSlotSchema, c, w),
        )
        return found or None  # False stands for "none" so that it can be cached

    def drop_slot_caches(self, org_id: str, template_id: str) -> None:
        """Forget cached slot lists of a template (after a booking changed them)."""
        self.responses.invalidate(f"slots:{org_id}:{template_id}")

    # Appointments ----------------------------------------------------------------------
    def add_appointment(
        self, org_id: str, body: dict[str, Any], *, template_id: str = "", lang: str | None = None
    ) -> models.Appointment:
        """Book (POST, sent once). ConflictError when the slot or customId is taken."""
        try:
            content = self.request(
                "POST",
                org_id,
                f"organization/{_seg(org_id)}/appointment/add",
                route="organization/{orgId}/appointment/add",
                lang=lang,
                json=body,
            )
        finally:
            if template_id:  # the slot may be gone whatever the answer was
                self.drop_slot_caches(org_id, template_id)
        return _typed(models.Appointment, schemas.AppointmentSchema, content, "appointment")

    def get_appointment(
        self, org_id: str, appointment_id: str, *, protected: bool = False, lang: str | None = None
    ) -> models.Appointment:
        """An appointment (never cached); `protected` includes the customer."""
        action = "showProtected" if protected else "show"
        path = f"organization/{_seg(org_id)}/appointment/{_seg(appointment_id)}/{action}"
        content = self.request(
            "GET",
            org_id,
            path,
            lang=lang,
            route=f"organization/{{orgId}}/appointment/{{id}}/{action}",
        )
        return _typed(models.Appointment, schemas.AppointmentSchema, content, "appointment")

    def identify_appointment(
        self, org_id: str, custom_id: str, *, lang: str | None = None
    ) -> models.Appointment:
        """The appointment booked with `custom_id` (NotFoundError if none)."""
        path = f"organization/{_seg(org_id)}/appointment/{_seg(custom_id)}/identify"
        content = self.request(
            "GET",
            org_id,
            path,
            lang=lang,
            route="organization/{orgId}/appointment/{customId}/identify",
        )
        return _typed(models.Appointment, schemas.AppointmentSchema, content, "appointment")

    def move_appointment(
        self,
        org_id: str,
        appointment_id: str,
        slot_id: str,
        *,
        template_id: str = "",
        lang: str | None = None,
    ) -> models.Appointment:
        """Move to another slot of the same service (PUT, sent once)."""
        path = f"organization/{_seg(org_id)}/appointment/{_seg(appointment_id)}/move"
        try:
            content = self.request(
                "PUT",
                org_id,
                path,
                lang=lang,
                json={"bookingSlotId": slot_id},
                route="organization/{orgId}/appointment/{id}/move",
            )
        finally:
            if template_id:
                self.drop_slot_caches(org_id, template_id)
        return _typed(models.Appointment, schemas.AppointmentSchema, content, "appointment")

    def cancel_appointment(
        self, org_id: str, appointment_id: str, *, template_id: str = "", lang: str | None = None
    ) -> models.Appointment:
        """Cancel (PUT, sent once)."""
        path = f"organization/{_seg(org_id)}/appointment/{_seg(appointment_id)}/cancel"
        try:
            content = self.request(
                "PUT", org_id, path, lang=lang, route="organization/{orgId}/appointment/{id}/cancel"
            )
        finally:
            if template_id:
                self.drop_slot_caches(org_id, template_id)
        return _typed(models.Appointment, schemas.AppointmentSchema, content, "appointment")

    # Static lists and files -----------------------------------------------------------
    def static_list(
        self, org_id: str, kind: str, *, lang: str | None = None
    ) -> list[models.StaticEntry]:
        """`timeZone`, `language`, `country` or `currency` entries (cached for a day)."""
        if kind not in ("timeZone", "language", "country", "currency"):
            raise ValueError(f"unknown static list {kind!r}")
        return self._list(
            models.StaticEntry,
            schemas.StaticEntrySchema,
            org_id,
            f"static/{kind}/list",
            f"static/{kind}/list",
            lang,
            ttl=STATIC_TTL,
            what=f"{kind} list",
        )

    def add_file(
        self,
        org_id: str,
        appointment_id: str,
        *,
        name: str,
        file_name: str,
        content: bytes,
        lang: str | None = None,
    ) -> models.UploadedFile:
        """Attach a file to an appointment (POST, sent once)."""
        body = {
            "name": name,
            "fileName": file_name,
            "appointmentId": appointment_id,
            "fileContent": base64.b64encode(content).decode("ascii"),
        }
        answer = self.request(
            "POST",
            org_id,
            f"organization/{_seg(org_id)}/file/add",
            route="organization/{orgId}/file/add",
            lang=lang,
            json=body,
        )
        return _typed(models.UploadedFile, schemas.UploadedFileSchema, answer, "file")


def _checked(model: type[T], value: Any) -> T:
    """`value`, which must be a `model` (the cache holds what the schema built)."""
    if not isinstance(value, model):
        raise TypeError(f"expected {model.__name__}, got {type(value).__name__}")
    return value


def _typed(model: type[T], schema: Any, content: Any, what: str) -> T:
    """Load `content` with `schema` into a `model`."""
    return _checked(model, schemas.load_one(schema, content, what))
