"""`ModuleApiClient`: one method per Module API route the widget uses.

Reads are cached per organization and language (entities for minutes, slot lists
for seconds) with stale-if-error. A booking, move or cancellation through this
client drops the organization's slot caches: resources are shared between
templates, so a booking of one service can take slots of another. Writes are sent
exactly once: the caller recovers a lost answer by `customId`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests
from flask_caching.backends.simplecache import SimpleCache
from marshmallow import Schema

from booking_app.cache import SafeCache
from booking_app.moduleapi import envelope, errors, models, routes, schemas
from booking_app.moduleapi.breaker import CircuitBreaker
from booking_app.moduleapi.caching import ResponseCache
from booking_app.moduleapi.routes import Route
from booking_app.moduleapi.tokens import TokenProvider, organization_of
from booking_app.moduleapi.transport import Transport

T = TypeVar("T")
API_LANGUAGES = ("en", "de")
STATIC_LISTS = tuple(routes.STATIC_LIST)
STATIC_TTL = 24 * 3600
SEARCH_TTL = 60
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
# Part of every cache key: bump it when the models change, so that a shared cache
# never hands this code objects pickled by an older version.
CACHE_VERSION = "m1"


def api_language(lang: str | None) -> str:
    """The API's `{lang}` for a UI language (`de-AT` → `de`): `de` or `en`, else `en`."""
    base = (lang or "").replace("_", "-").split("-")[0].lower()
    return base if base in API_LANGUAGES else "en"


class ModuleApiClient:
    """A client of the Module API for one module (client id).

    Thread-safe; build one per process and share it (see `init_app`).
    """

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
        session: requests.Session | None = None,
        retry_budget: float = 6.0,
        max_retry_wait: float = 2.0,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 10.0,
        entity_ttl: int = 300,
        slot_ttl: int = 15,
        entity_stale_ttl: int = 6 * 3600,
        slot_stale_ttl: int = 120,
        sleep: Callable[[float], None] = time.sleep,
        transport: Transport | None = None,
    ) -> None:
        """`cache` is a Flask-Caching backend (`get/set/add/delete`) shared by the
        processes (RedisCache), or None for an in-memory SimpleCache. `session`,
        `sleep` and `transport` are for tests and special deployments."""
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.client_id = client_id
        # Two values in the SDK: without a module id the module routes are not called.
        self.module_id = module_id or None
        self.cache = SafeCache(cache if cache is not None else SimpleCache(threshold=5000))
        self.breaker = CircuitBreaker(
            self.cache,
            name=f"moduleapi:{client_id}",
            threshold=breaker_threshold,
            cooldown=breaker_cooldown,
        )
        self.transport = transport or Transport(
            session=session,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_retries=max_retries,
            retry_budget=retry_budget,
            max_retry_wait=max_retry_wait,
            breaker=self.breaker,
            sleep=sleep,
        )
        self.tokens = TokenProvider(
            transport=self.transport,
            cache=self.cache,
            oauth_url=oauth_url,
            client_id=client_id,
            client_secret=client_secret,
        )
        self.responses = ResponseCache(self.cache)
        self.entity_ttl = entity_ttl
        self.slot_ttl = slot_ttl
        self.entity_stale_ttl = entity_stale_ttl
        self.slot_stale_ttl = slot_stale_ttl

    def close(self) -> None:
        """Close the pooled connections."""
        self.transport.session.close()

    def check_ready(self, org_id: str | None = None) -> None:
        """Raise a ModuleApiError unless a token can be had (for `org_id`, or at least
        the module's refresh token). Cheap when tokens are cached, as they usually are."""
        if org_id:
            self.tokens.access_token(org_id)
        else:
            self.tokens.refresh_token()

    # Plumbing --------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        route: str,
        lang: str | None = None,
        json: Any = None,
    ) -> Any:
        """Call `path` (relative to `{api}/{lang}/`) with the token the path needs (its
        organization's, or one without organization); the content."""
        return self._call(method, path, route=route, lang=lang, json=json)[0]

    def _call(
        self,
        method: str,
        path: str,
        *,
        route: str,
        lang: str | None = None,
        json: Any = None,
    ) -> tuple[Any, str]:
        """The content of a call and its request id. A 401 renews the token and tries
        once more (the API did not act on the refused request). The token is bound to
        the organization the path names, or to none (`static/…`, the organization
        search), as the SDK asks for it."""
        url = f"{self.api_url}{api_language(lang)}/{path}"
        token_org = organization_of(path)
        for attempt in (1, 2):
            token = self.tokens.access_token(token_org)
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": JSON_CONTENT_TYPE,
                "Accept": "application/json",
            }
            response, request_id = self.transport.send(
                method, url, route=route, headers=headers, json=json
            )
            if response.status_code == 401 and attempt == 1:
                response.close()
                self.tokens.invalidate(token_org, token)
                continue
            return envelope.read(response, request_id), request_id
        raise AssertionError("unreachable")  # pragma: no cover

    def _load(
        self,
        parse: Callable[[Any], T],
        route: Route,
        org_id: str,
        params: Mapping[str, object],
        lang: str | None,
        *,
        json: Any = None,
        query: str = "",
    ) -> T:
        """Call `route` with `params` (and a `query` string), then `parse` the content;
        a parse failure carries the request id."""
        path = route.path(**params) + query
        content, request_id = self._call(
            route.method, path, route=route.label, lang=lang, json=json
        )
        try:
            return parse(content)
        except errors.ResponseFormatError as error:
            error.request_id = request_id
            raise

    def _key(self, kind: str, org_id: str, lang: str | None, path: str) -> str:
        return f"{CACHE_VERSION}:{kind}:{self.client_id}:{org_id}:{api_language(lang)}:{path}"

    def _cached_get(
        self,
        kind: str,
        org_id: str,
        route: Route,
        params: Mapping[str, object],
        lang: str | None,
        parse: Callable[[Any], T],
        *,
        ttl: int,
        stale_ttl: int,
        what: str,
        key_org: str | None = None,
        query: str = "",
    ) -> T:
        """A GET cached under its path (query included)."""
        return self.responses.get_or_load(
            self._key(kind, key_org or org_id, lang, route.path(**params) + query),
            ttl,
            lambda: self._load(parse, route, org_id, params, lang, query=query),
            stale_ttl=stale_ttl,
            what=what,
        )

    def _one(
        self,
        model: type[T],
        schema: type[Schema],
        org_id: str,
        route: Route,
        params: Mapping[str, object],
        lang: str | None,
        *,
        what: str,
    ) -> T:
        value = self._cached_get(
            "one",
            org_id,
            route,
            params,
            lang,
            lambda content: schemas.load_one(schema, content, what),
            ttl=self.entity_ttl,
            stale_ttl=self.entity_stale_ttl,
            what=what,
        )
        return _checked(model, value)

    def _list(
        self,
        model: type[T],
        schema: type[Schema],
        org_id: str,
        route: Route,
        params: Mapping[str, object],
        lang: str | None,
        *,
        what: str,
        ttl: int | None = None,
        key_org: str | None = None,
        query: str = "",
    ) -> list[T]:
        values = self._cached_get(
            "list",
            org_id,
            route,
            params,
            lang,
            lambda content: tuple(schemas.load_list(schema, content, what)),
            ttl=ttl or self.entity_ttl,
            stale_ttl=self.entity_stale_ttl,
            what=what,
            key_org=key_org,
            query=query,
        )
        return [_checked(model, value) for value in values]

    # Organizations ---------------------------------------------------------------------
    def get_organization(self, org_id: str, *, lang: str | None = None) -> models.Organization:
        """The organization (cached for minutes). NotFoundError when the module does
        not serve it."""
        return self._one(
            models.Organization,
            schemas.OrganizationSchema,
            org_id,
            routes.ORGANIZATION,
            {"org_id": org_id},
            lang,
            what="organization",
        )

    def _module(self) -> str:
        """The module id for `module/{moduleId}/…` routes; FeatureOffError without one."""
        if not self.module_id:
            raise errors.FeatureOffError("no module id is configured (BOOKING_MODULE_ID)")
        return self.module_id

    def list_branches(self, org_id: str, *, lang: str | None = None) -> list[models.Organization]:
        """The organization's branches (sub-organizations); a module route. Listed
        branches are organizations the module serves (never held back as unknown)."""
        branches = self._list(
            models.Organization,
            schemas.OrganizationSchema,
            org_id,
            routes.BRANCHES,
            {"module_id": self._module(), "org_id": org_id},
            lang,
            what="branches",
        )
        for branch in branches:
            self.tokens.mark_known(branch.id)
        return branches

    def search_organizations(
        self, org_id: str, query: str, *, lang: str | None = None
    ) -> list[models.Organization]:
        """Organizations of this module matching `query` (a module route, asked with a
        token without organization; cached for a minute)."""
        search = urlencode({"searchQuery": query[:200]})
        return self._list(
            models.Organization,
            schemas.OrganizationSchema,
            org_id,
            routes.ORGANIZATION_SEARCH,
            {"module_id": self._module()},
            lang,
            what="organizations",
            ttl=SEARCH_TTL,
            query=f"?{search}",
        )

    # Module configs --------------------------------------------------------------------
    def get_module_config(
        self, org_id: str, config_id: str, *, lang: str | None = None
    ) -> models.ModuleConfig:
        """A module config by id (cached for minutes)."""
        return self._one(
            models.ModuleConfig,
            schemas.ModuleConfigSchema,
            org_id,
            routes.MODULE_CONFIG,
            {"org_id": org_id, "module_config_id": config_id},
            lang,
            what="module config",
        )

    def identify_module_config(
        self, org_id: str, custom_id: str, *, lang: str | None = None
    ) -> models.ModuleConfig:
        """A module config by its customId (cached for minutes)."""
        return self._one(
            models.ModuleConfig,
            schemas.ModuleConfigSchema,
            org_id,
            routes.MODULE_CONFIG_IDENTIFY,
            {"org_id": org_id, "custom_id": custom_id},
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
            routes.BOOKING_TEMPLATES,
            {"org_id": org_id},
            lang,
            what="booking templates",
        )

    def get_booking_template(
        self, org_id: str, template_id: str, *, lang: str | None = None
    ) -> models.BookingTemplate:
        """One service: from the cached template list when that is at hand, else its
        own (cached) call."""
        list_path = routes.BOOKING_TEMPLATES.path(org_id=org_id)
        listing = self.responses.peek(self._key("list", org_id, lang, list_path))
        if isinstance(listing, tuple):
            for template in listing:
                if isinstance(template, models.BookingTemplate) and template.id == template_id:
                    return template
        return self._one(
            models.BookingTemplate,
            schemas.BookingTemplateSchema,
            org_id,
            routes.BOOKING_TEMPLATE,
            {"org_id": org_id, "booking_template_id": template_id},
            lang,
            what="booking template",
        )

    def identify_booking_template(
        self, org_id: str, custom_id: str, *, lang: str | None = None
    ) -> models.BookingTemplate:
        """A service by its operator-chosen customId (cached for minutes)."""
        return self._one(
            models.BookingTemplate,
            schemas.BookingTemplateSchema,
            org_id,
            routes.BOOKING_TEMPLATE_IDENTIFY,
            {"org_id": org_id, "custom_id": custom_id},
            lang,
            what="booking template",
        )

    def list_resource_templates(
        self, org_id: str, resource_id: str, *, lang: str | None = None
    ) -> list[models.BookingTemplate]:
        """The services a resource (e.g. an employee) serves."""
        return self._list(
            models.BookingTemplate,
            schemas.BookingTemplateSchema,
            org_id,
            routes.RESOURCE_TEMPLATES,
            {"org_id": org_id, "booking_resource_id": resource_id},
            lang,
            what="booking templates",
        )

    def list_custom_entities(
        self, org_id: str, entity_type: str, *, lang: str | None = None
    ) -> list[models.CustomEntity]:
        """The organization's custom entities of one operator-named type (list entries
        are short: the SDK's CUSTOM_ENTITY_SHORT, without translations)."""
        return self._list(
            models.CustomEntity,
            schemas.CustomEntitySchema,
            org_id,
            routes.CUSTOM_ENTITIES,
            {"org_id": org_id, "custom_entity_type": entity_type},
            lang,
            what="custom entities",
        )

    def get_custom_entity(
        self, org_id: str, entity_type: str, entity_id: str, *, lang: str | None = None
    ) -> models.CustomEntity:
        """One custom entity with its translations (cached for minutes)."""
        return self._one(
            models.CustomEntity,
            schemas.CustomEntitySchema,
            org_id,
            routes.CUSTOM_ENTITY,
            {"org_id": org_id, "custom_entity_type": entity_type, "custom_entity_id": entity_id},
            lang,
            what="custom entity",
        )

    def list_custom_entity_templates(
        self, org_id: str, entity_type: str, entity_id: str, *, lang: str | None = None
    ) -> list[models.BookingTemplate]:
        """The services tied to a custom entity, in service order."""
        return self._list(
            models.BookingTemplate,
            schemas.BookingTemplateSchema,
            org_id,
            routes.CUSTOM_ENTITY_TEMPLATES,
            {"org_id": org_id, "custom_entity_type": entity_type, "custom_entity_id": entity_id},
            lang,
            what="booking templates",
        )

    def list_custom_entity_resources(
        self, org_id: str, entity_type: str, entity_id: str, *, lang: str | None = None
    ) -> list[models.BookingResource]:
        """The resources (e.g. staff) tied to a custom entity."""
        return self._list(
            models.BookingResource,
            schemas.BookingResourceSchema,
            org_id,
            routes.CUSTOM_ENTITY_RESOURCES,
            {"org_id": org_id, "custom_entity_type": entity_type, "custom_entity_id": entity_id},
            lang,
            what="booking resources",
        )

    def list_booking_resources(
        self, org_id: str, *, lang: str | None = None
    ) -> list[models.BookingResource]:
        """The organization's resources."""
        return self._list(
            models.BookingResource,
            schemas.BookingResourceSchema,
            org_id,
            routes.BOOKING_RESOURCES,
            {"org_id": org_id},
            lang,
            what="booking resources",
        )

    def get_booking_resource(
        self, org_id: str, resource_id: str, *, lang: str | None = None
    ) -> models.BookingResource:
        """One resource."""
        return self._one(
            models.BookingResource,
            schemas.BookingResourceSchema,
            org_id,
            routes.BOOKING_RESOURCE,
            {"org_id": org_id, "booking_resource_id": resource_id},
            lang,
            what="booking resource",
        )

    # Slots -----------------------------------------------------------------------------
    def slot_generation(self, org_id: str, template_id: str) -> str:
        """The generation of a service's slot caches: it changes whenever they are
        dropped (`drop_slot_caches` of the service or of its organization, and every
        booking, move or cancellation of the organization through this client).

        It prefixes the cache keys of the service's slot lists, and callers may use it
        the same way for whatever they derive from those lists (the widget keys its
        cached week pages with it)."""
        org_gen = self.responses.generation(f"slots:{self.client_id}:{org_id}")
        tpl_gen = self.responses.generation(f"slots:{self.client_id}:{org_id}:{template_id}")
        return f"slots:{org_gen}:{tpl_gen}"

    def _slots(
        self,
        org_id: str,
        template_id: str,
        route: Route,
        when: Mapping[str, int],
        lang: str | None,
    ) -> models.SlotRange:
        value = self._cached_get(
            self.slot_generation(org_id, template_id),
            org_id,
            route,
            {"org_id": org_id, "booking_template_id": template_id, **when},
            lang,
            lambda content: schemas.load_one(schemas.SlotRangeSchema, content, "slot list"),
            ttl=self.slot_ttl,
            stale_ttl=self.slot_stale_ttl,
            what="slot list",
        )
        return _checked(models.SlotRange, value)

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
        """Free slots of a day (cached for seconds)."""
        when = {"yyyy": int(year), "m": int(month), "d": int(day)}
        return self._slots(org_id, template_id, routes.SLOTS_DAY, when, lang)

    def list_week(
        self, org_id: str, template_id: str, year: int, week: int, *, lang: str | None = None
    ) -> models.SlotRange:
        """Free slots of an ISO week (`year` is the ISO year; cached for seconds)."""
        when = {"yyyy": int(year), "w": int(week)}
        return self._slots(org_id, template_id, routes.SLOTS_WEEK, when, lang)

    def list_month(
        self, org_id: str, template_id: str, year: int, month: int, *, lang: str | None = None
    ) -> models.SlotRange:
        """Free slots of a month (cached for seconds)."""
        when = {"yyyy": int(year), "m": int(month)}
        return self._slots(org_id, template_id, routes.SLOTS_MONTH, when, lang)

    def earliest_slot(
        self, org_id: str, template_id: str, *, lang: str | None = None
    ) -> models.BookingSlot | None:
        """The first free slot, or None when nothing is left in range (cached for
        seconds)."""
        found = self._cached_get(
            self.slot_generation(org_id, template_id),
            org_id,
            routes.EARLIEST_SLOT,
            {"org_id": org_id, "booking_template_id": template_id},
            lang,
            _earliest,
            ttl=self.slot_ttl,
            stale_ttl=self.slot_stale_ttl,
            what="earliest slot",
        )
        return _checked(models.BookingSlot, found) if found else None

    def drop_slot_caches(self, org_id: str, template_id: str | None = None) -> None:
        """Forget cached slot lists: of one template, or (None) of the organization."""
        scope = f"slots:{self.client_id}:{org_id}"
        self.responses.invalidate(f"{scope}:{template_id}" if template_id else scope)

    # Appointments ----------------------------------------------------------------------
    def _write(
        self,
        route: Route,
        org_id: str,
        params: Mapping[str, object],
        lang: str | None,
        body: Any = None,
    ) -> models.Appointment:
        """A write that changes availability: sent once; whatever its outcome (a lost
        answer included), the organization's slot caches are dropped."""
        try:
            return self._load(_appointment, route, org_id, params, lang, json=body)
        finally:
            self.drop_slot_caches(org_id)

    def add_appointment(
        self, org_id: str, body: Mapping[str, Any], *, lang: str | None = None
    ) -> models.AddAnswer:
        """Book (POST `appointment/add`, sent exactly once). `body` as in the SDK's
        booking test (`bookingSlotId`, `customId`, `customer`, …; docs/sandbox.md).

        Any 2xx is a success, whatever its body holds (the full appointment, only its
        id, or something else): the answer carries what could be read. ConflictError or
        ValidationError when refused (which status and parameter name a taken slot is
        unknown: 409, or 400 naming `bookingSlotId`). Every slot cache of the
        organization is dropped."""
        try:
            content = self.request(
                routes.APPOINTMENT_ADD.method,
                routes.APPOINTMENT_ADD.path(org_id=org_id),
                route=routes.APPOINTMENT_ADD.label,
                lang=lang,
                json=dict(body),
            )
        finally:
            self.drop_slot_caches(org_id)
        return _add_answer(content)

    def get_appointment(
        self, org_id: str, appointment_id: str, *, protected: bool = False, lang: str | None = None
    ) -> models.Appointment:
        """An appointment (never cached); `protected` includes the customer's data."""
        return self._load(
            _appointment,
            routes.APPOINTMENT_PROTECTED if protected else routes.APPOINTMENT,
            org_id,
            {"org_id": org_id, "appointment_id": appointment_id},
            lang,
        )

    def identify_appointments(
        self, org_id: str, custom_id: str, *, lang: str | None = None
    ) -> list[models.Appointment]:
        """The appointments booked with `custom_id` (never cached; [] when none): how a
        booking whose answer was lost is found. Whether the API answers one appointment
        or a list, and whether it shows cancelled ones, is unknown: both shapes are read,
        and callers look at `canceled`."""
        try:
            return self._load(
                _appointments,
                routes.APPOINTMENT_IDENTIFY,
                org_id,
                {"org_id": org_id, "custom_id": custom_id},
                lang,
            )
        except errors.NotFoundError:
            return []

    def move_appointment(
        self, org_id: str, appointment_id: str, slot_id: str, *, lang: str | None = None
    ) -> models.Appointment:
        """Move to another slot of the same service (PUT, sent exactly once)."""
        return self._write(
            routes.APPOINTMENT_MOVE,
            org_id,
            {"org_id": org_id, "appointment_id": appointment_id},
            lang,
            {"bookingSlotId": slot_id},
        )

    def cancel_appointment(
        self, org_id: str, appointment_id: str, *, lang: str | None = None
    ) -> models.Appointment:
        """Cancel (PUT, sent exactly once). ConflictError when canceled already."""
        return self._write(
            routes.APPOINTMENT_CANCEL,
            org_id,
            {"org_id": org_id, "appointment_id": appointment_id},
            lang,
        )

    # Static lists and files -----------------------------------------------------------
    def static_list(
        self, org_id: str, kind: str, *, lang: str | None = None
    ) -> list[models.StaticEntry]:
        """`timeZone`, `language`, `country` or `currency` entries, named in `lang`
        (asked with `org_id`'s token; cached for a day for all organizations)."""
        route = routes.STATIC_LIST.get(kind)
        if route is None:
            raise ValueError(f"unknown static list {kind!r}")
        return self._list(
            models.StaticEntry,
            schemas.StaticEntrySchema,
            org_id,
            route,
            {},
            lang,
            what=f"{kind} list",
            ttl=STATIC_TTL,
            key_org="*",
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
        """Attach a file to an appointment (POST, sent exactly once)."""
        body = {
            "name": name,
            "fileName": file_name,
            "appointmentId": appointment_id,
            "fileContent": base64.b64encode(content).decode("ascii"),
        }
        return self._load(
            lambda answer: _typed(models.UploadedFile, schemas.UploadedFileSchema, answer),
            routes.FILE_ADD,
            org_id,
            {"org_id": org_id},
            lang,
            json=body,
        )


def _appointment(content: Any) -> models.Appointment:
    return _typed(models.Appointment, schemas.AppointmentSchema, content)


def _appointments(content: Any) -> list[models.Appointment]:
    """One APPOINTMENT, or a LIST of them."""
    if isinstance(content, Mapping) and ("recordList" in content or content.get("class") == "LIST"):
        found = schemas.load_list(schemas.AppointmentSchema, content, "appointments")
        return [_checked(models.Appointment, a) for a in found]
    if content is None or content == [] or content == "":
        return []
    return [_appointment(content)]


def _add_answer(content: Any) -> models.AddAnswer:
    """What a 2xx booking answer named: the appointment, else at least its id."""
    try:
        return models.AddAnswer(_appointment(content), "")
    except errors.ResponseFormatError:
        named = content.get("id") if isinstance(content, Mapping) else None
        valid = isinstance(named, str) and schemas.looks_like_id(named)
        return models.AddAnswer(None, named if valid and isinstance(named, str) else "")


def _earliest(content: Any) -> models.BookingSlot | bool:
    """The earliest slot; False stands for "none left" (so that it can be cached)."""
    if content is None:
        return False
    return _typed(models.BookingSlot, schemas.BookingSlotSchema, content)


def _checked(model: type[T], value: Any) -> T:
    """`value`, which must be a `model` (the cache holds what the schema built)."""
    if not isinstance(value, model):
        raise errors.ResponseFormatError(
            f"expected {model.__name__}, got {type(value).__name__} from the cache"
        )
    return value


def _typed(model: type[T], schema: type[Schema], content: Any) -> T:
    """Load `content` with `schema` into a `model`."""
    return _checked(model, schemas.load_one(schema, content, model.__name__))
