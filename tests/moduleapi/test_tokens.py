"""Tokens: one per organization, renewed before expiry, fetched once under
concurrency (threads and processes), and the token endpoint's refusals."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from booking_app.cache import SafeCache
from booking_app.moduleapi import errors
from booking_app.moduleapi.tokens import TokenProvider, organization_of, renew_at
from booking_app.moduleapi.transport import Transport
from tests.support.stubs import (
    ORG,
    BrokenCache,
    FakeClock,
    RecordingCache,
    StubSession,
    response,
    sent_form,
)

OAUTH = "http://auth.invalid/oauth/token"
BRANCH = "f6" + "b" * 30

Answer = Callable[[dict[str, str]], requests.Response]


class TokenEndpoint(StubSession):
    """A scripted token endpoint: `answer(form)` decides; every form is recorded."""

    def __init__(self, answer: Answer | None = None, delay: float = 0.0) -> None:
        super().__init__()
        self.answer = answer or self.grant
        self.delay = delay
        self.forms: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.serial = 0

    def grant(self, form: dict[str, str]) -> requests.Response:
        with self.lock:
            self.serial += 1
            n = self.serial
        if form["grant_type"] == "client_credentials":
            return response(body={"refresh_token": f"refresh-{n}", "expires_in": "86400"})
        return response(body={"access_token": f"access-{n}", "expires_in": 3600})

    def request(self, method: str, url: str, *args: Any, **kw: Any) -> requests.Response:  # type: ignore[override]
        form = sent_form(kw)
        with self.lock:
            self.forms.append(form)
        time.sleep(self.delay)
        return self.answer(form)

    def grants(self) -> list[str]:
        return [f["grant_type"] for f in self.forms]


def provider(
    endpoint: TokenEndpoint,
    cache: Any = None,
    clock: FakeClock | None = None,
    **kw: Any,
) -> TokenProvider:
    return TokenProvider(
        transport=Transport(session=endpoint, sleep=lambda s: None),
        cache=SafeCache(cache if cache is not None else RecordingCache()),
        oauth_url=OAUTH,
        client_id="23" + "m" * 30,
        clock=clock or FakeClock(),
        **kw,
    )


def oauth_error(status: int, code: str) -> requests.Response:
    return response(status, {"error": code, "error_description": "described"})


@pytest.mark.parametrize(
    ("lifetime", "renew_after"), [(3600, 3540), (600, 540), (300, 270), (2, 1.8), (1, 0.9)]
)
def test_renewal_margin(lifetime: float, renew_after: float) -> None:
    assert renew_at(1000.0, lifetime) == pytest.approx(1000.0 + renew_after)


def test_two_step_flow_with_empty_secret() -> None:
    endpoint = TokenEndpoint()
    assert provider(endpoint).access_token(ORG) == "access-2"
    refresh, access = endpoint.forms
    assert refresh == {
        "grant_type": "client_credentials",
        "client_id": "23" + "m" * 30,
        "client_secret": "",
    }
    assert access["grant_type"] == "refresh_token"
    assert access["refresh_token"] == "refresh-1"
    assert access["organization_id"] == ORG


def test_one_token_per_organization_one_refresh_token_per_module() -> None:
    endpoint = TokenEndpoint()
    tokens = provider(endpoint)
    main = tokens.access_token(ORG)
    branch = tokens.access_token(BRANCH)
    assert main != branch
    assert tokens.access_token(ORG) == main
    assert endpoint.grants() == ["client_credentials", "refresh_token", "refresh_token"]


def test_twenty_threads_fetch_one_token() -> None:
    endpoint = TokenEndpoint(delay=0.05)
    tokens = provider(endpoint)
    gate = threading.Barrier(20)
    got: list[str] = []

    def worker() -> None:
        gate.wait()
        got.append(tokens.access_token(ORG))

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1
    assert len(got) == 20
    assert endpoint.grants() == ["client_credentials", "refresh_token"]


def test_organizations_asked_at_once_share_one_refresh_token() -> None:
    endpoint = TokenEndpoint(delay=0.05)
    tokens = provider(endpoint)
    orgs = ["f6" + str(i) * 30 for i in range(8)]
    gate = threading.Barrier(len(orgs))

    def worker(org: str) -> None:
        gate.wait()
        tokens.access_token(org)

    threads = [threading.Thread(target=worker, args=(org,)) for org in orgs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert endpoint.grants().count("client_credentials") == 1
    assert endpoint.grants().count("refresh_token") == len(orgs)


def test_renewed_before_expiry() -> None:
    clock = FakeClock()
    endpoint = TokenEndpoint()
    tokens = provider(endpoint, clock=clock)
    first = tokens.access_token(ORG)
    clock.advance(3539)
    assert tokens.access_token(ORG) == first
    clock.advance(2)  # 59 s before expiry: renew
    assert tokens.access_token(ORG) != first
    assert endpoint.grants() == ["client_credentials", "refresh_token", "refresh_token"]


def test_invalidate_forgets_only_the_refused_token() -> None:
    endpoint = TokenEndpoint()
    tokens = provider(endpoint)
    first = tokens.access_token(ORG)
    tokens.invalidate(ORG, "some-older-token")
    assert tokens.access_token(ORG) == first
    tokens.invalidate(ORG, first)
    assert tokens.access_token(ORG) != first


def test_another_process_fetching_is_waited_for() -> None:
    shared = RecordingCache()
    endpoint = TokenEndpoint()
    other = provider(endpoint, cache=shared)
    mine = provider(TokenEndpoint(), cache=shared)
    lock_key = f"lock:token:{'23' + 'm' * 30}:{ORG}"
    shared.add(lock_key, 1, timeout=10)  # "another process" holds the login lock
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(mine.access_token(ORG)))
    waiter.start()
    time.sleep(0.2)
    token = other._fetch(ORG)  # the other process finishes its login
    waiter.join(timeout=5)
    assert got == [token]
    assert isinstance(mine.transport.session, TokenEndpoint)
    assert mine.transport.session.forms == []  # it never logged in itself


def test_a_stuck_lock_is_not_waited_for_forever() -> None:
    shared = RecordingCache()
    shared.add(f"lock:token:{'23' + 'm' * 30}:{ORG}", 1, timeout=10)
    endpoint = TokenEndpoint()
    started = time.monotonic()
    assert provider(endpoint, cache=shared, lock_wait=0.3).access_token(ORG)
    assert 0.25 < time.monotonic() - started < 2
    assert len(endpoint.forms) == 2


def test_memory_keeps_tokens_when_the_shared_cache_is_down() -> None:
    endpoint = TokenEndpoint()
    tokens = provider(endpoint, cache=BrokenCache())
    for _ in range(5):
        tokens.access_token(ORG)
    assert len(endpoint.forms) == 2


def test_an_expired_refresh_token_is_replaced_once() -> None:
    calls: list[str] = []

    def answer(form: dict[str, str]) -> requests.Response:
        calls.append(form.get("refresh_token", "-"))
        if form["grant_type"] == "client_credentials":
            return response(body={"refresh_token": f"refresh-{len(calls)}", "expires_in": 86400})
        if form["refresh_token"] == "stale":
            return oauth_error(400, "invalid_grant")
        return response(body={"access_token": "fresh-access", "expires_in": 3600})

    shared = RecordingCache()
    shared.set(f"refresh:{'23' + 'm' * 30}", {"token": "stale", "renew_at": 9e12})
    tokens = provider(TokenEndpoint(answer), cache=shared)
    assert tokens.access_token(ORG) == "fresh-access"
    assert calls == ["stale", "-", "refresh-2"]


def test_an_organization_the_module_does_not_serve_is_not_found_and_remembered() -> None:
    def answer(form: dict[str, str]) -> requests.Response:
        if form["grant_type"] == "client_credentials":
            return response(body={"refresh_token": "r", "expires_in": 86400})
        return oauth_error(400, "invalid_grant")

    endpoint = TokenEndpoint(answer)
    tokens = provider(endpoint)
    with pytest.raises(errors.NotFoundError) as caught:
        tokens.access_token(ORG)
    assert caught.value.failures[0][0] == "invalid_grant"
    assert isinstance(caught.value.__cause__, errors.AuthenticationError)
    count = len(endpoint.forms)
    with pytest.raises(errors.NotFoundError):
        tokens.access_token(ORG)
    assert len(endpoint.forms) == count  # no new login for a known refusal


@pytest.mark.parametrize(
    ("answer", "error_class"),
    [
        (oauth_error(401, "invalid_client"), errors.AuthenticationError),
        (oauth_error(400, "unsupported_grant_type"), errors.AuthenticationError),
        (response(403, raw=b"Forbidden"), errors.AuthenticationError),
        (response(200, raw=b"<html>login</html>"), errors.ResponseFormatError),
        (response(body={"no": "token"}), errors.ResponseFormatError),
        (response(503, raw=b"down"), errors.ServerError),
        (response(429, raw=b"slow"), errors.RateLimitError),
    ],
)
def test_token_endpoint_failures(answer: requests.Response, error_class: type[Exception]) -> None:
    endpoint = TokenEndpoint(lambda form: answer)
    with pytest.raises(error_class):
        provider(endpoint).access_token(ORG)


@pytest.mark.parametrize(
    "body",
    [
        {"access_token": "", "expires_in": 3600},
        {"access_token": "t", "expires_in": 0},
        {"access_token": "t", "expires_in": "soon"},
        {"access_token": "t"},
        {"access_token": 42, "expires_in": 3600},
    ],
)
def test_unusable_access_tokens(body: dict[str, Any]) -> None:
    def answer(form: dict[str, str]) -> requests.Response:
        if form["grant_type"] == "client_credentials":
            return response(body={"refresh_token": "r"})
        return response(body=body)

    with pytest.raises(errors.ResponseFormatError):
        provider(TokenEndpoint(answer)).access_token(ORG)


def test_token_requests_are_retried_on_503() -> None:
    answers = iter([response(503, raw=b"down")])

    def answer(form: dict[str, str]) -> requests.Response:
        failed = next(answers, None)
        return failed if failed is not None else TokenEndpoint().grant(form)

    endpoint = TokenEndpoint(answer)
    assert provider(endpoint).access_token(ORG)
    assert len(endpoint.forms) == 3


def test_a_token_without_organization_is_asked_without_organization_id() -> None:
    endpoint = TokenEndpoint()
    tokens = provider(endpoint)
    plain = tokens.access_token(None)
    _refresh, access = endpoint.forms
    assert access == {
        "grant_type": "refresh_token",
        "client_id": "23" + "m" * 30,
        "refresh_token": "refresh-1",
    }
    # Its own cache entry: neither an organization's token nor reused for one.
    bound = tokens.access_token(ORG)
    assert bound != plain
    assert endpoint.forms[-1]["organization_id"] == ORG
    assert tokens.access_token(None) == plain
    assert tokens.access_token(ORG) == bound
    assert endpoint.grants() == ["client_credentials", "refresh_token", "refresh_token"]


def test_a_refused_token_without_organization_is_not_remembered_as_not_found() -> None:
    def answer(form: dict[str, str]) -> requests.Response:
        if form["grant_type"] == "client_credentials":
            return response(body={"refresh_token": "r", "expires_in": 86400})
        return oauth_error(400, "invalid_request")

    endpoint = TokenEndpoint(answer)
    tokens = provider(endpoint)
    for _ in range(2):
        with pytest.raises(errors.AuthenticationError):
            tokens.access_token(None)
    assert endpoint.grants().count("refresh_token") == 2


@pytest.mark.parametrize(
    ("path", "org"),
    [
        (f"organization/{ORG}/show", ORG),
        (f"organization/{ORG}/bookingTemplate/list", ORG),
        (f"module/23{'m' * 30}/organization/{BRANCH}/organization/list", BRANCH),
        (f"module/23{'m' * 30}/organization/{ORG}/moduleConfig/show", ORG),
        ("static/timeZone/list", None),
        (f"module/23{'m' * 30}/organization/filter?searchQuery=organization/{ORG}/", None),
        ("module/23" + "m" * 30 + "/organization/filter", None),
    ],
)
def test_organization_of_a_path_like_the_sdk(path: str, org: str | None) -> None:
    assert organization_of(path) == org
