"""The client's own logic with a stub session: language, 401 renewal, cache keys,
slot-cache invalidation, path escaping, `init_app`. (The normal paths against the
real sandbox are in tests/integration/test_client_*.py.)"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from booking_app.moduleapi import (
    AuthenticationError,
    ConflictError,
    FeatureOffError,
    ModuleApiClient,
    ResponseFormatError,
    api_language,
    get_client,
    init_app,
)
from tests.support.payloads import SLOTS
from tests.support.payloads import TEMPLATE as TEMPLATE_JSON
from tests.support.stubs import API, ORG, TEMPLATE, OAuthAndApi, RecordingCache, failure, response

OTHER_ORG = "f6" + "z" * 30
LISTING = {"class": "LIST", "recordTotal": 1, "recordLimit": 9999, "recordList": [TEMPLATE_JSON]}


def client(session: OAuthAndApi, **kw: Any) -> ModuleApiClient:
    kw.setdefault("module_id", "23" + "m" * 30)
    return ModuleApiClient(
        api_url=API,
        oauth_url="http://auth.invalid/oauth/token",
        client_id="demo-client",
        session=session,
        sleep=lambda s: None,
        **kw,
    )


def api_calls(session: OAuthAndApi) -> list[str]:
    return [f"{method} {url.removeprefix(API)}" for method, url, _ in session.calls]


@pytest.mark.parametrize(
    ("ui", "api"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("de_CH", "de"),
        ("DE", "de"),
        ("en", "en"),
        ("en-GB", "en"),
        ("fr", "en"),
        ("es-ES", "en"),
        ("", "en"),
        (None, "en"),
        ("../x", "en"),
    ],
)
def test_api_language(ui: str | None, api: str) -> None:
    assert api_language(ui) == api


def test_requests_carry_token_and_content_type_in_the_language() -> None:
    session = OAuthAndApi([response(content=LISTING)])
    templates = client(session).list_booking_templates(ORG, lang="de-AT")
    assert templates[0].id == TEMPLATE_JSON["id"]
    _, url, kw = session.calls[0]
    assert url == f"{API}de/organization/{ORG}/bookingTemplate/list"
    assert kw["headers"]["Authorization"] == "Bearer access-1"
    assert kw["headers"]["Content-Type"] == "application/json; charset=utf-8"


def test_a_401_renews_the_token_and_retries_once() -> None:
    session = OAuthAndApi([failure(401), response(content=LISTING)])
    c = client(session)
    assert c.list_booking_templates(ORG)
    auth = [kw["headers"]["Authorization"] for _, _, kw in session.calls]
    assert auth == ["Bearer access-1", "Bearer access-2"]
    assert [f["grant_type"] for f in session.token_calls] == [
        "client_credentials",
        "refresh_token",
        "refresh_token",
    ]


def test_a_second_401_is_an_authentication_error() -> None:
    session = OAuthAndApi([failure(401), failure(401, None, "Expired.")])
    with pytest.raises(AuthenticationError) as caught:
        client(session).get_organization(ORG)
    assert caught.value.status == 401
    assert caught.value.failures == [(None, "Expired.")]
    assert len(session.calls) == 2


def test_a_post_refused_with_401_is_sent_again_with_a_new_token() -> None:
    booked = {**TEMPLATE_JSON, "id": "ed" + "a" * 30, "start": SLOTS["rangeStart"]}
    booked["end"] = SLOTS["rangeEnd"]
    session = OAuthAndApi([failure(401), response(201, content=booked)])
    answer = client(session).add_appointment(ORG, {"bookingSlotId": "4f" + "s" * 30})
    assert answer.appointment is not None
    assert answer.appointment.id == "ed" + "a" * 30
    assert len(session.calls) == 2  # the API did not act on the refused one


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ({"id": "ed" + "b" * 30}, "ed" + "b" * 30),  # 201 with only the new id
        ({"class": "APPOINTMENT", "id": "ed" + "b" * 30, "customer": []}, "ed" + "b" * 30),
        ({"id": "../../x"}, ""),  # not an id: named none
        (None, ""),
        ([], ""),
        ("Appointment successfully booked.", ""),
    ],
    ids=["id-only", "no-start", "bad-id", "null", "empty-list", "text"],
)
def test_any_2xx_booking_answer_is_a_success(content: Any, named: str) -> None:
    session = OAuthAndApi([response(201, content=content)])
    answer = client(session).add_appointment(ORG, {"bookingSlotId": "4f" + "s" * 30})
    assert answer.appointment is None
    assert answer.appointment_id == named


@pytest.mark.parametrize(
    ("content", "ids"),
    [
        (
            {
                **TEMPLATE_JSON,
                "id": "ed" + "a" * 30,
                "start": SLOTS["rangeStart"],
                "end": SLOTS["rangeEnd"],
            },
            ["ed" + "a" * 30],
        ),
        (
            {
                "class": "LIST",
                "recordTotal": "2",
                "recordList": [
                    {
                        "id": "ed" + "a" * 30,
                        "start": SLOTS["rangeStart"],
                        "end": SLOTS["rangeEnd"],
                        "canceled": True,
                    },
                    {"id": "ed" + "c" * 30, "start": SLOTS["rangeStart"], "end": SLOTS["rangeEnd"]},
                ],
            },
            ["ed" + "a" * 30, "ed" + "c" * 30],
        ),
        ({"class": "LIST", "recordTotal": "0", "recordList": []}, []),
    ],
    ids=["one", "list", "empty-list"],
)
def test_identify_reads_one_appointment_or_a_list(content: Any, ids: list[str]) -> None:
    session = OAuthAndApi([response(content=content)])
    found = client(session).identify_appointments(ORG, "k" * 32)
    assert [a.id for a in found] == ids


def test_identify_of_an_unknown_custom_id_is_no_appointment() -> None:
    session = OAuthAndApi([failure(404)])
    assert client(session).identify_appointments(ORG, "k" * 32) == []


def test_format_errors_carry_the_request_id() -> None:
    session = OAuthAndApi([response(content={"recordList": "garbage"})])
    with pytest.raises(ResponseFormatError) as caught:
        client(session).list_booking_templates(ORG)
    assert len(caught.value.request_id) == 32
    assert "booking templates" in str(caught.value)


def test_cache_keys_separate_organizations_and_languages() -> None:
    session = OAuthAndApi([response(content=LISTING) for _ in range(3)])
    c = client(session)
    for _ in range(3):
        c.list_booking_templates(ORG, lang="en")
        c.list_booking_templates(ORG, lang="en-GB")
        c.list_booking_templates(ORG, lang="de")
        c.list_booking_templates(OTHER_ORG, lang="de")
    assert api_calls(session) == [
        f"GET en/organization/{ORG}/bookingTemplate/list",
        f"GET de/organization/{ORG}/bookingTemplate/list",
        f"GET de/organization/{OTHER_ORG}/bookingTemplate/list",
    ]


def test_entity_and_slot_ttls() -> None:
    backend = RecordingCache()
    session = OAuthAndApi([response(content=LISTING), response(content=SLOTS)])
    c = client(session, cache=backend, entity_ttl=240, slot_ttl=12, slot_stale_ttl=90)
    c.list_booking_templates(ORG)
    c.list_week(ORG, TEMPLATE, 2030, 14)
    ttl = {
        k.split(":")[0] + ":" + k.split(":")[2]: v
        for k, v in backend.timeouts.items()
        if k.startswith(("fresh:", "stale:"))
    }
    assert ttl["fresh:list"] == 240
    assert ttl["stale:list"] == 6 * 3600
    assert ttl["fresh:slots"] == 12
    assert ttl["stale:slots"] == 90


def test_one_template_is_served_from_the_cached_list() -> None:
    session = OAuthAndApi([response(content=LISTING)])
    c = client(session)
    c.list_booking_templates(ORG)
    assert c.get_booking_template(ORG, TEMPLATE_JSON["id"]).name == "Haircut"
    assert len(session.calls) == 1


@pytest.mark.parametrize(
    "write",
    [
        lambda c: c.add_appointment(ORG, {"bookingSlotId": "4f"}),
        lambda c: c.move_appointment(ORG, "ed" + "a" * 30, "4f"),
        lambda c: c.cancel_appointment(ORG, "ed" + "a" * 30),
    ],
)
def test_a_write_drops_the_slot_caches_of_the_organization(write: Any) -> None:
    other_template = "fc" + "o" * 30
    session = OAuthAndApi(
        [response(content=SLOTS), response(content=SLOTS), failure(409, "bookingSlotId")]
        + [response(content=SLOTS)] * 2
    )
    c = client(session)
    c.list_week(ORG, TEMPLATE, 2030, 14)
    c.list_week(ORG, other_template, 2030, 14)
    c.list_week(ORG, TEMPLATE, 2030, 14)
    assert len(session.calls) == 2  # cached
    with pytest.raises(ConflictError):
        write(c)  # even a refused write: the slot list was evidently stale
    c.list_week(ORG, TEMPLATE, 2030, 14)
    c.list_week(ORG, other_template, 2030, 14)  # may share the booked resource
    assert len(session.calls) == 5


def test_drop_slot_caches_of_one_template() -> None:
    other_template = "fc" + "o" * 30
    session = OAuthAndApi([response(content=SLOTS)] * 3)
    c = client(session)
    c.list_week(ORG, TEMPLATE, 2030, 14)
    c.list_week(ORG, other_template, 2030, 14)
    c.drop_slot_caches(ORG, TEMPLATE)
    c.list_week(ORG, TEMPLATE, 2030, 14)
    c.list_week(ORG, other_template, 2030, 14)
    assert len(session.calls) == 3


def test_no_earliest_slot_is_cached_as_none() -> None:
    session = OAuthAndApi([response(content=None)])
    c = client(session)
    assert c.earliest_slot(ORG, TEMPLATE) is None
    assert c.earliest_slot(ORG, TEMPLATE) is None
    assert len(session.calls) == 1


def test_static_lists_are_shared_by_organizations() -> None:
    entries = {"recordList": [{"class": "CURRENCY", "key": "EUR", "name": "Euro"}]}
    session = OAuthAndApi([response(content=entries)])
    c = client(session)
    assert c.static_list(ORG, "currency")[0].key == "EUR"
    assert c.static_list(OTHER_ORG, "currency")[0].name == "Euro"
    assert len(session.calls) == 1
    with pytest.raises(ValueError, match="unknown static list"):
        c.static_list(ORG, "../secret")


def test_ids_cannot_change_the_route() -> None:
    session = OAuthAndApi([failure(404, "bookingResourceId")])
    with pytest.raises(Exception, match="not found"):
        client(session).get_booking_resource(ORG, "../../static/x?y=1#z")
    escaped = "..%2F..%2Fstatic%2Fx%3Fy%3D1%23z"
    assert session.calls[0][1] == f"{API}en/organization/{ORG}/bookingResource/{escaped}/show"


def test_search_query_is_encoded_and_bounded() -> None:
    session = OAuthAndApi([response(content={"recordList": []})])
    assert client(session).search_organizations(ORG, "Wien & Graz" + "x" * 500) == []
    url = session.calls[0][1]
    assert "searchQuery=Wien+%26+Graz" in url
    assert len(url) < 400


def test_module_routes_use_the_module_id_and_are_off_without_it() -> None:
    session = OAuthAndApi([response(content={"recordList": []})])
    client(session, module_id="23" + "x" * 30).list_branches(ORG)
    assert f"module/{'23' + 'x' * 30}/organization/{ORG}/organization/list" in session.calls[0][1]
    unconfigured = client(OAuthAndApi([]), module_id=None)
    calls: list[Callable[[], object]] = [
        lambda: unconfigured.list_branches(ORG),
        lambda: unconfigured.search_organizations(ORG, "x"),
    ]
    for call in calls:
        with pytest.raises(FeatureOffError):
            call()
    assert unconfigured.module_id is None


def test_file_upload_is_base64_and_sent_once() -> None:
    session = OAuthAndApi([response(201, content={"class": "FILE", "id": "w1" + "f" * 30})])
    uploaded = client(session).add_file(
        ORG, "ed" + "a" * 30, name="Photo", file_name="p.png", content=b"\x89PNG"
    )
    assert uploaded.id == "w1" + "f" * 30
    body = session.calls[0][2]["json"]
    assert body == {
        "name": "Photo",
        "fileName": "p.png",
        "appointmentId": "ed" + "a" * 30,
        "fileContent": "iVBORw==",
    }


def settings(**overrides: Any) -> SimpleNamespace:
    base = {
        "module_api_url": API,
        "oauth_url": "http://auth.invalid/oauth/token",
        "client_id": "23" + "m" * 30,
        "client_secret": "",
        "module_id": "",
        "connect_timeout": 1.5,
        "read_timeout": 4.0,
    }
    base.update(overrides)
    return SimpleNamespace(**base)


def test_init_app_and_get_client() -> None:
    app = Flask(__name__)
    app.config["BOOKING"] = settings()
    backend = RecordingCache()
    app.extensions["booking_cache"] = backend
    built = init_app(app)
    assert app.extensions["moduleapi"] is built
    assert built.cache.backend is backend
    assert built.module_id is None  # not the client id
    assert built.transport.timeout == (1.5, 4.0)
    with app.app_context():
        assert get_client() is built


def test_init_app_without_a_shared_cache_uses_memory() -> None:
    from flask_caching.backends.simplecache import SimpleCache

    app = Flask(__name__)
    app.config["BOOKING"] = settings(module_id="23" + "x" * 30)
    built = init_app(app)
    assert isinstance(built.cache.backend, SimpleCache)
    assert built.module_id == "23" + "x" * 30


def test_init_app_with_the_real_settings() -> None:
    from booking_app.config import load_settings

    app = Flask(__name__)
    app.config["BOOKING"] = load_settings({}, {"client_id": "23" + "m" * 30, "demo": True})
    assert init_app(app).api_url == "https://api.bookingtime.com/module/v3/"


def test_constructor_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        ModuleApiClient(API, "http://auth.invalid/oauth/token", "23")  # type: ignore[call-arg]
