"""Routes: each declared once; the log label and the path are derived from its
template, every value fills exactly one path segment, and the client calls every
route, each from the method that should."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from booking_app.moduleapi import ModuleApiClient, routes
from booking_app.moduleapi.routes import Route
from tests.support.payloads import APPOINTMENT, CONFIG, ORGANIZATION, RESOURCE, SLOTS
from tests.support.payloads import TEMPLATE as TEMPLATE_JSON
from tests.support.stubs import API, ORG, OAuthAndApi, response

MODULE = "23" + "m" * 30
HOSTILE = "../x/y?z=1#f"  # every id below: each must stay one segment
NONE: dict[str, Any] = {"recordList": []}

ALL: dict[str, Route] = {
    name: value for name, value in vars(routes).items() if isinstance(value, Route)
} | {f"STATIC_LIST[{kind}]": route for kind, route in routes.STATIC_LIST.items()}

# The labels in the log: module-api.md's table, placeholder for placeholder.
LABELS = {
    "ORGANIZATION": "organization/{orgId}/show",
    "BRANCHES": "module/{moduleId}/organization/{orgId}/organization/list",
    "ORGANIZATION_SEARCH": "module/{moduleId}/organization/filter",
    "MODULE_CONFIG": "organization/{orgId}/moduleConfig/{moduleConfigId}/show",
    "MODULE_CONFIG_IDENTIFY": "organization/{orgId}/moduleConfig/{customId}/identify",
    "BOOKING_TEMPLATES": "organization/{orgId}/bookingTemplate/list",
    "BOOKING_TEMPLATE": "organization/{orgId}/bookingTemplate/{bookingTemplateId}/show",
    "RESOURCE_TEMPLATES": (
        "organization/{orgId}/bookingResource/{bookingResourceId}/bookingTemplate/list"
    ),
    "BOOKING_RESOURCES": "organization/{orgId}/bookingResource/list",
    "BOOKING_RESOURCE": "organization/{orgId}/bookingResource/{bookingResourceId}/show",
    "BOOKING_TEMPLATE_IDENTIFY": "organization/{orgId}/bookingTemplate/{customId}/identify",
    "CUSTOM_ENTITIES": "organization/{orgId}/customEntity/{customEntityType}/list",
    "CUSTOM_ENTITY": ("organization/{orgId}/customEntity/{customEntityType}/{customEntityId}/show"),
    "CUSTOM_ENTITY_TEMPLATES": (
        "organization/{orgId}/customEntity/{customEntityType}/{customEntityId}/bookingTemplate/list"
    ),
    "CUSTOM_ENTITY_RESOURCES": (
        "organization/{orgId}/customEntity/{customEntityType}/{customEntityId}/bookingResource/list"
    ),
    "SLOTS_DAY": (
        "organization/{orgId}/bookingTemplate/{bookingTemplateId}/bookingSlot"
        "/year/{yyyy}/month/{m}/day/{d}/listDay"
    ),
    "SLOTS_WEEK": (
        "organization/{orgId}/bookingTemplate/{bookingTemplateId}/bookingSlot"
        "/year/{yyyy}/week/{w}/listWeek"
    ),
    "SLOTS_MONTH": (
        "organization/{orgId}/bookingTemplate/{bookingTemplateId}/bookingSlot"
        "/year/{yyyy}/month/{m}/listMonth"
    ),
    "EARLIEST_SLOT": (
        "organization/{orgId}/bookingTemplate/{bookingTemplateId}/bookingSlot/earliest"
    ),
    "APPOINTMENT_ADD": "organization/{orgId}/appointment/add",
    "APPOINTMENT": "organization/{orgId}/appointment/{appointmentId}/show",
    "APPOINTMENT_PROTECTED": "organization/{orgId}/appointment/{appointmentId}/showProtected",
    "APPOINTMENT_IDENTIFY": "organization/{orgId}/appointment/{customId}/identify",
    "APPOINTMENT_MOVE": "organization/{orgId}/appointment/{appointmentId}/move",
    "APPOINTMENT_CANCEL": "organization/{orgId}/appointment/{appointmentId}/cancel",
    "FILE_ADD": "organization/{orgId}/file/add",
    "STATIC_LIST[timeZone]": "static/timeZone/list",
    "STATIC_LIST[language]": "static/language/list",
    "STATIC_LIST[country]": "static/country/list",
    "STATIC_LIST[currency]": "static/currency/list",
}


def blanked(template: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", template)


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word[0].upper() + word[1:] for word in rest)


def test_the_labels_are_unchanged() -> None:
    assert {name: route.label for name, route in ALL.items()} == LABELS


@pytest.mark.parametrize("name", sorted(ALL))
def test_the_label_is_derived_from_the_template(name: str) -> None:
    route = ALL[name]
    assert blanked(route.label) == blanked(route.template)
    assert re.findall(r"\{(\w+)\}", route.label) == [camel(p) for p in route.params]
    assert route.method in {"GET", "POST", "PUT"}


def test_routes_are_declared_once() -> None:
    assert len({route.template for route in ALL.values()}) == len(ALL)
    assert len({route.label for route in ALL.values()}) == len(ALL)


@pytest.mark.parametrize("value", ["../x", "a/b", "x?y=1", "a b#c", HOSTILE, "%2F", 7])
@pytest.mark.parametrize("name", sorted(name for name, route in ALL.items() if route.params))
def test_a_value_fills_exactly_one_segment(name: str, value: object) -> None:
    route = ALL[name]
    path = route.path(**dict.fromkeys(route.params, value))
    assert "?" not in path
    assert "#" not in path
    template_segments = route.template.split("/")
    segments = path.split("/")
    assert len(segments) == len(template_segments)
    for template_segment, segment in zip(template_segments, segments, strict=True):
        if template_segment.startswith("{"):
            assert segment == quote(str(value), safe="")
        else:
            assert segment == template_segment


def test_path_escapes_slashes_dots_and_query_marks() -> None:
    path = routes.BOOKING_TEMPLATE.path(org_id="f6/../x", booking_template_id="a?b=../c")
    assert path == "organization/f6%2F..%2Fx/bookingTemplate/a%3Fb%3D..%2Fc/show"


def test_path_takes_exactly_the_placeholders() -> None:
    with pytest.raises(TypeError):
        routes.BOOKING_TEMPLATE.path(org_id=ORG)
    with pytest.raises(TypeError):
        routes.ORGANIZATION.path(org_id=ORG, extra="x")
    assert routes.STATIC_LIST["currency"].path() == "static/currency/list"


Call = Callable[[ModuleApiClient], object]
Case = tuple[str, Call, Route, dict[str, object], Any]
# Each client method, the route it must call with which values, and an answer.
CALLS: list[Case] = [
    (
        "get_organization",
        lambda c: c.get_organization(ORG),
        routes.ORGANIZATION,
        {"org_id": ORG},
        ORGANIZATION,
    ),
    (
        "list_branches",
        lambda c: c.list_branches(ORG),
        routes.BRANCHES,
        {"module_id": MODULE, "org_id": ORG},
        NONE,
    ),
    (
        "search_organizations",
        lambda c: c.search_organizations(ORG, "Wien"),
        routes.ORGANIZATION_SEARCH,
        {"module_id": MODULE},
        NONE,
    ),
    (
        "get_module_config",
        lambda c: c.get_module_config(ORG, HOSTILE),
        routes.MODULE_CONFIG,
        {"org_id": ORG, "module_config_id": HOSTILE},
        CONFIG,
    ),
    (
        "identify_module_config",
        lambda c: c.identify_module_config(ORG, HOSTILE),
        routes.MODULE_CONFIG_IDENTIFY,
        {"org_id": ORG, "custom_id": HOSTILE},
        CONFIG,
    ),
    (
        "list_booking_templates",
        lambda c: c.list_booking_templates(ORG),
        routes.BOOKING_TEMPLATES,
        {"org_id": ORG},
        NONE,
    ),
    (
        "get_booking_template",
        lambda c: c.get_booking_template(ORG, HOSTILE),
        routes.BOOKING_TEMPLATE,
        {"org_id": ORG, "booking_template_id": HOSTILE},
        TEMPLATE_JSON,
    ),
    (
        "list_resource_templates",
        lambda c: c.list_resource_templates(ORG, HOSTILE),
        routes.RESOURCE_TEMPLATES,
        {"org_id": ORG, "booking_resource_id": HOSTILE},
        NONE,
    ),
    (
        "list_booking_resources",
        lambda c: c.list_booking_resources(ORG),
        routes.BOOKING_RESOURCES,
        {"org_id": ORG},
        NONE,
    ),
    (
        "get_booking_resource",
        lambda c: c.get_booking_resource(ORG, HOSTILE),
        routes.BOOKING_RESOURCE,
        {"org_id": ORG, "booking_resource_id": HOSTILE},
        RESOURCE,
    ),
    (
        "list_custom_entities",
        lambda c: c.list_custom_entities(ORG, HOSTILE),
        routes.CUSTOM_ENTITIES,
        {"org_id": ORG, "custom_entity_type": HOSTILE},
        NONE,
    ),
    (
        "get_custom_entity",
        lambda c: c.get_custom_entity(ORG, "car", HOSTILE),
        routes.CUSTOM_ENTITY,
        {"org_id": ORG, "custom_entity_type": "car", "custom_entity_id": HOSTILE},
        {"class": "CUSTOM_ENTITY", "id": "6T" + "e" * 30},
    ),
    (
        "list_custom_entity_templates",
        lambda c: c.list_custom_entity_templates(ORG, "car", HOSTILE),
        routes.CUSTOM_ENTITY_TEMPLATES,
        {"org_id": ORG, "custom_entity_type": "car", "custom_entity_id": HOSTILE},
        NONE,
    ),
    (
        "list_custom_entity_resources",
        lambda c: c.list_custom_entity_resources(ORG, "car", HOSTILE),
        routes.CUSTOM_ENTITY_RESOURCES,
        {"org_id": ORG, "custom_entity_type": "car", "custom_entity_id": HOSTILE},
        NONE,
    ),
    (
        "identify_booking_template",
        lambda c: c.identify_booking_template(ORG, HOSTILE),
        routes.BOOKING_TEMPLATE_IDENTIFY,
        {"org_id": ORG, "custom_id": HOSTILE},
        TEMPLATE_JSON,
    ),
    (
        "list_day",
        lambda c: c.list_day(ORG, HOSTILE, 2030, 4, 1),
        routes.SLOTS_DAY,
        {"org_id": ORG, "booking_template_id": HOSTILE, "yyyy": 2030, "m": 4, "d": 1},
        SLOTS,
    ),
    (
        "list_week",
        lambda c: c.list_week(ORG, HOSTILE, 2030, 14),
        routes.SLOTS_WEEK,
        {"org_id": ORG, "booking_template_id": HOSTILE, "yyyy": 2030, "w": 14},
        SLOTS,
    ),
    (
        "list_month",
        lambda c: c.list_month(ORG, HOSTILE, 2030, 4),
        routes.SLOTS_MONTH,
        {"org_id": ORG, "booking_template_id": HOSTILE, "yyyy": 2030, "m": 4},
        SLOTS,
    ),
    (
        "earliest_slot",
        lambda c: c.earliest_slot(ORG, HOSTILE),
        routes.EARLIEST_SLOT,
        {"org_id": ORG, "booking_template_id": HOSTILE},
        None,
    ),
    (
        "add_appointment",
        lambda c: c.add_appointment(ORG, {"bookingSlotId": "4f" + "s" * 30}),
        routes.APPOINTMENT_ADD,
        {"org_id": ORG},
        APPOINTMENT,
    ),
    (
        "get_appointment",
        lambda c: c.get_appointment(ORG, HOSTILE),
        routes.APPOINTMENT,
        {"org_id": ORG, "appointment_id": HOSTILE},
        APPOINTMENT,
    ),
    (
        "get_appointment(protected)",
        lambda c: c.get_appointment(ORG, HOSTILE, protected=True),
        routes.APPOINTMENT_PROTECTED,
        {"org_id": ORG, "appointment_id": HOSTILE},
        APPOINTMENT,
    ),
    (
        "identify_appointments",
        lambda c: c.identify_appointments(ORG, HOSTILE),
        routes.APPOINTMENT_IDENTIFY,
        {"org_id": ORG, "custom_id": HOSTILE},
        APPOINTMENT,
    ),
    (
        "move_appointment",
        lambda c: c.move_appointment(ORG, HOSTILE, "4f" + "s" * 30),
        routes.APPOINTMENT_MOVE,
        {"org_id": ORG, "appointment_id": HOSTILE},
        APPOINTMENT,
    ),
    (
        "cancel_appointment",
        lambda c: c.cancel_appointment(ORG, HOSTILE),
        routes.APPOINTMENT_CANCEL,
        {"org_id": ORG, "appointment_id": HOSTILE},
        APPOINTMENT,
    ),
    (
        "add_file",
        lambda c: c.add_file(ORG, HOSTILE, name="n", file_name="n.pdf", content=b"%PDF"),
        routes.FILE_ADD,
        {"org_id": ORG},
        {"class": "FILE", "id": "w1" + "f" * 30},
    ),
]


def static_list(kind: str) -> Call:
    return lambda c: c.static_list(ORG, kind)


CALLS += [
    (f"static_list({kind})", static_list(kind), route, {}, NONE)
    for kind, route in routes.STATIC_LIST.items()
]


def test_every_route_has_a_client_method() -> None:
    used = [route for _, _, route, _, _ in CALLS]
    assert sorted(map(id, used)) == sorted(map(id, ALL.values()))


@pytest.mark.parametrize(
    ("name", "call", "route", "params", "content"), CALLS, ids=[c[0] for c in CALLS]
)
def test_each_client_method_calls_its_route(
    name: str,
    call: Call,
    route: Route,
    params: dict[str, object],
    content: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = OAuthAndApi([response(content=content)])
    client = ModuleApiClient(
        api_url=API,
        oauth_url="http://auth.invalid/oauth/token",
        client_id="demo-client",
        module_id=MODULE,
        session=session,
        sleep=lambda s: None,
    )
    sent: list[tuple[str, str, str]] = []
    send = client.transport.send

    def recording_send(method: str, url: str, *, route: str, **kw: Any) -> Any:
        if not url.endswith("/oauth/token"):
            sent.append((method, url, route))
        return send(method, url, route=route, **kw)

    monkeypatch.setattr(client.transport, "send", recording_send)
    call(client)
    query = "?searchQuery=Wien" if route is routes.ORGANIZATION_SEARCH else ""
    assert sent == [(route.method, f"{API}en/{route.path(**params)}{query}", route.label)], name
