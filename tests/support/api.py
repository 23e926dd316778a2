"""A tiny requests-based client for a running sandbox's Module API (tests, benchmarks).

It speaks plain HTTP, exactly like an outside client: the two-step OAuth flow, then
`Authorization: Bearer …` on every call. Nothing here imports the sandbox's code.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from tests.support.sandbox import SandboxProcess

TIMEOUT = 10.0
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

_tokens: dict[tuple[str, str], str] = {}
_tokens_lock = threading.Lock()


def refresh_token(sb: SandboxProcess, session: requests.Session | None = None) -> str:
    """Step 1: a refresh token for the sandbox's module."""
    http = session or requests
    resp = http.post(
        sb.oauth_url,
        data={"grant_type": "client_credentials", "client_id": sb.client_id, "client_secret": ""},
        timeout=TIMEOUT,
    )
    resp.raise_for_status()
    return str(resp.json()["refresh_token"])


def access_token(sb: SandboxProcess, org: str, session: requests.Session | None = None) -> str:
    """Both steps: a fresh access token bound to `org`."""
    http = session or requests
    resp = http.post(
        sb.oauth_url,
        data={
            "grant_type": "refresh_token",
            "client_id": sb.client_id,
            "refresh_token": refresh_token(sb, session),
            "organization_id": org,
        },
        timeout=TIMEOUT,
    )
    resp.raise_for_status()
    return str(resp.json()["access_token"])


def cached_token(sb: SandboxProcess, org: str) -> str:
    """An access token for `org`, fetched once per sandbox and organization."""
    key = (sb.base_url, org)
    with _tokens_lock:
        if key not in _tokens:
            _tokens[key] = access_token(sb, org)
        return _tokens[key]


def iso_week(day: date) -> tuple[int, int]:
    """(ISO year, ISO week) of `day`."""
    cal = day.isocalendar()
    return cal.year, cal.week


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a month (the EU's DST switch days are those of March, October)."""
    end = (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return end - timedelta(days=(end.weekday() + 1) % 7)


def local_date(timestamp: str, tz: str) -> date:
    """The local date, in zone `tz`, of an ISO timestamp."""
    return datetime.fromisoformat(timestamp).astimezone(ZoneInfo(tz)).date()


def customer(**fields: Any) -> dict[str, Any]:
    """A customer that satisfies every template's required fields, with overrides."""
    base: dict[str, Any] = {
        "firstName": "Erika",
        "lastName": "Mustermann",
        "email": "erika@example.com",
        "mobile": "+49 170 1234567",
        "address": {"street": "Torstraße 2", "zip": "10119", "city": "Berlin", "country": "DE"},
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def new_custom_id(prefix: str = "t") -> str:
    """A customId no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


class ModuleApi:
    """Calls to one sandbox as one organization (its own token), in one language."""

    def __init__(
        self,
        sb: SandboxProcess,
        org: str | None = None,
        *,
        lang: str = "en",
        token: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.sb = sb
        self.org = org or sb.main_org
        self.lang = lang
        self.token = token if token is not None else cached_token(sb, self.org)
        self.session = session or requests.Session()

    def with_lang(self, lang: str) -> ModuleApi:
        """The same client speaking another `{lang}`."""
        return ModuleApi(self.sb, self.org, lang=lang, token=self.token, session=self.session)

    # Raw HTTP ---------------------------------------------------------------
    def url(self, path: str) -> str:
        """`path` relative to the API base in this client's language."""
        return f"{self.sb.base_url}{self.lang}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        """Any call; `json=` bodies go out with the API's content type."""
        headers = {"Authorization": f"Bearer {self.token}", **JSON_HEADERS}
        headers.update(kw.pop("headers", {}))
        kw.setdefault("timeout", TIMEOUT)
        return self.session.request(method, self.url(path), headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def org_path(self, rest: str) -> str:
        """`organization/{org}/{rest}`."""
        return f"organization/{self.org}/{rest.lstrip('/')}"

    # Convenience --------------------------------------------------------------
    def content(self, path: str) -> Any:
        """GET `path`, expect 200 and return the envelope's content."""
        resp = self.get(path)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:500])
        return resp.json()["content"]

    def templates(self) -> dict[str, dict[str, Any]]:
        """The organization's booking templates by customId."""
        listing = self.content(self.org_path("bookingTemplate/list"))
        return {t["customId"]: t for t in listing["recordList"]}

    def template_id(self, custom_id: str) -> str:
        return str(self.templates()[custom_id]["id"])

    def resources(self) -> dict[str, dict[str, Any]]:
        """The organization's booking resources by customId."""
        listing = self.content(self.org_path("bookingResource/list"))
        return {r["customId"]: r for r in listing["recordList"]}

    def slot_path(self, template_id: str, rest: str) -> str:
        return self.org_path(f"bookingTemplate/{template_id}/bookingSlot/{rest}")

    def week(self, template_id: str, day: date) -> dict[str, Any]:
        """The RANGE_LIST of the ISO week holding `day`."""
        year, week = iso_week(day)
        return dict(self.content(self.slot_path(template_id, f"year/{year}/week/{week}/listWeek")))

    def day(self, template_id: str, day: date) -> dict[str, Any]:
        path = f"year/{day.year}/month/{day.month}/day/{day.day}/listDay"
        return dict(self.content(self.slot_path(template_id, path)))

    def month(self, template_id: str, year: int, month: int) -> dict[str, Any]:
        path = f"year/{year}/month/{month}/listMonth"
        return dict(self.content(self.slot_path(template_id, path)))

    def free_slots(self, template_id: str, day: date) -> list[dict[str, Any]]:
        """The free slots of the ISO week holding `day`."""
        return list(self.week(template_id, day)["list"])

    def book(
        self,
        slot_id: str,
        custom_id: str | None = None,
        *,
        session: requests.Session | None = None,
        **body: Any,
    ) -> requests.Response:
        """POST appointment/add for `slot_id` with a complete customer (overridable)."""
        payload: dict[str, Any] = {"bookingSlotId": slot_id, "customer": customer()}
        if custom_id is not None:
            payload["customId"] = custom_id
        payload.update(body)
        http = session or self.session
        return http.post(
            self.url(self.org_path("appointment/add")),
            json=payload,
            headers={"Authorization": f"Bearer {self.token}", **JSON_HEADERS},
            timeout=TIMEOUT,
        )

    def appointment(self, appointment_id: str, action: str, **kw: Any) -> requests.Response:
        """`…/appointment/{id}/{action}`: GET for show/showProtected, PUT for move/cancel."""
        method = "PUT" if action in ("move", "cancel") else "GET"
        return self.request(method, self.org_path(f"appointment/{appointment_id}/{action}"), **kw)


def failures(resp: requests.Response) -> list[dict[str, Any]]:
    """The failure messages of an error envelope (asserting that it is one)."""
    assert_envelope(resp)
    found = [m for m in resp.json()["messageList"] if m.get("type") == "failure"]
    assert found, f"no failure message in {resp.status_code} {resp.text[:300]}"
    for m in found:
        assert m["class"] == "MESSAGE"
        assert isinstance(m["text"], str)
        assert m["text"].strip()
    return found


def failure_params(resp: requests.Response) -> set[str | None]:
    """The `parameter`s named by an error envelope's failure messages."""
    return {m["parameter"] for m in failures(resp)}


def _no_constants(name: str) -> Any:
    raise AssertionError(f"{name} is not JSON")


def assert_envelope(resp: requests.Response) -> dict[str, Any]:
    """A JSON envelope (never HTML, never a bare string); returns the parsed body."""
    assert resp.headers.get("Content-Type", "").startswith("application/json"), (
        resp.status_code,
        resp.headers.get("Content-Type"),
        resp.text[:300],
    )
    assert "<html" not in resp.text.lower()
    body = json.loads(resp.text, parse_constant=_no_constants)  # strict: no NaN/Infinity
    assert body == resp.json()
    assert isinstance(body, dict), body
    assert set(body) == {"messageList", "content"}, sorted(body)
    assert isinstance(body["messageList"], list)
    return body


def assert_error(
    resp: requests.Response, status: int | None = None, parameter: str | None = None
) -> None:
    """A 4xx failure envelope, with this status and naming this parameter when given."""
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:300])
    if status is not None:
        assert resp.status_code == status, (resp.status_code, resp.text[:300])
    params = failure_params(resp)
    if parameter is not None:
        assert parameter in params, (params, resp.text[:300])


def date_with_seats(api: ModuleApi, course: str, seats: int) -> dict[str, Any]:
    """A date of the course `course` with more than `seats` seats left, from next week
    on (never assume the first date is free of other tests); fails when none is."""
    from tests.support.clock import today

    for weeks in range(1, 60):
        for slot in api.free_slots(course, today() + timedelta(weeks=weeks)):
            if slot["seatsLeft"] >= seats + 1:
                return dict(slot)
    raise AssertionError(f"no date of {course} with {seats} seats left in 60 weeks")
