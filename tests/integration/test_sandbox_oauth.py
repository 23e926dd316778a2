"""The sandbox's OAuth endpoint and the bearer check of its API, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.support.api import (
    TIMEOUT,
    ModuleApi,
    access_token,
    assert_error,
    failures,
    refresh_token,
)
from tests.support.sandbox import SandboxProcess, running_sandbox

pytestmark = pytest.mark.integration

OAUTH_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
}


@pytest.fixture(scope="module")
def short_ttl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A private sandbox whose access tokens live one second."""
    with running_sandbox(tmp_path_factory.mktemp("ttl"), "--token-ttl", "1") as proc:
        yield proc


def _token_call(sb: SandboxProcess, **form: str) -> requests.Response:
    return requests.post(sb.oauth_url, data=form, timeout=TIMEOUT)


def _assert_oauth_error(resp: requests.Response) -> None:
    assert resp.status_code in (400, 401), (resp.status_code, resp.text)
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["error"] in OAUTH_ERRORS, body
    assert isinstance(body.get("error_description"), str)
    assert "access_token" not in body
    assert "refresh_token" not in body


def test_two_step_flow_gives_an_organization_bound_access_token(sandbox: SandboxProcess) -> None:
    step1 = _token_call(
        sandbox, grant_type="client_credentials", client_id=sandbox.client_id, client_secret=""
    )
    assert step1.status_code == 200, step1.text
    refresh = step1.json()["refresh_token"]
    assert isinstance(refresh, str)
    assert len(refresh) >= 20
    step2 = _token_call(
        sandbox,
        grant_type="refresh_token",
        client_id=sandbox.client_id,
        refresh_token=refresh,
        organization_id=sandbox.main_org,
    )
    assert step2.status_code == 200, step2.text
    body = step2.json()
    assert body["token_type"].lower() == "bearer"
    assert isinstance(body["expires_in"], int)
    assert body["expires_in"] > 60
    api = ModuleApi(sandbox, sandbox.main_org, token=body["access_token"])
    org = api.content(f"organization/{sandbox.main_org}/show")
    assert org["id"] == sandbox.main_org
    # One refresh token serves every organization of the module.
    for branch in sandbox.branches:
        again = _token_call(
            sandbox,
            grant_type="refresh_token",
            client_id=sandbox.client_id,
            refresh_token=refresh,
            organization_id=branch,
        )
        assert again.status_code == 200, again.text
        assert again.json()["access_token"] != body["access_token"]


def test_multipart_form_is_accepted(sandbox: SandboxProcess) -> None:
    fields: dict[str, Any] = {
        "grant_type": (None, "client_credentials"),
        "client_id": (None, sandbox.client_id),
        "client_secret": (None, ""),
    }
    resp = requests.post(sandbox.oauth_url, files=fields, timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    assert resp.json()["refresh_token"]


@pytest.mark.parametrize(
    "form",
    [
        pytest.param({"client_id": "23" + "0" * 30}, id="unknown-client-id"),
        pytest.param({"client_id": "nonsense"}, id="malformed-client-id"),
        pytest.param({"client_id": ""}, id="empty-client-id"),
        pytest.param({"client_secret": "s3cret"}, id="non-empty-secret"),
        pytest.param({"grant_type": "password"}, id="unsupported-grant"),
        pytest.param({"grant_type": ""}, id="empty-grant"),
    ],
)
def test_client_credentials_errors(sandbox: SandboxProcess, form: dict[str, str]) -> None:
    data = {"grant_type": "client_credentials", "client_id": sandbox.client_id, "client_secret": ""}
    resp = _token_call(sandbox, **{**data, **form})
    _assert_oauth_error(resp)


def test_wrong_client_and_secret_are_invalid_client(sandbox: SandboxProcess) -> None:
    wrong = _token_call(
        sandbox, grant_type="client_credentials", client_id="23" + "x" * 30, client_secret=""
    )
    secret = _token_call(
        sandbox, grant_type="client_credentials", client_id=sandbox.client_id, client_secret="x"
    )
    assert wrong.json()["error"] == secret.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("refresh", "org"),
    [
        pytest.param("bogus-refresh-token", "main", id="bad-refresh-token"),
        pytest.param("", "main", id="empty-refresh-token"),
        pytest.param("access", "main", id="access-token-as-refresh-token"),
        pytest.param("good", "f6" + "0" * 30, id="unknown-organization"),
        pytest.param("good", "f6short", id="malformed-organization"),
        pytest.param("good", "fc" + "0" * 30, id="wrong-prefix-organization"),
        pytest.param("good", "", id="missing-organization"),
    ],
)
def test_refresh_token_errors(sandbox: SandboxProcess, refresh: str, org: str) -> None:
    if refresh == "good":
        refresh = refresh_token(sandbox)
    elif refresh == "access":
        refresh = access_token(sandbox, sandbox.main_org)
    resp = _token_call(
        sandbox,
        grant_type="refresh_token",
        client_id=sandbox.client_id,
        refresh_token=refresh,
        organization_id=sandbox.main_org if org == "main" else org,
    )
    _assert_oauth_error(resp)
    assert resp.status_code == 400
    assert resp.json()["error"] in {"invalid_grant", "invalid_request"}


def test_the_client_id_is_not_the_module_id(sandbox: SandboxProcess) -> None:
    """Two values, as in the SDK: the client id logs in, the module id names the module
    in `module/{moduleId}/…` routes, and neither stands in for the other."""
    assert sandbox.client_id != sandbox.module_id
    assert sandbox.module_id.startswith("23")
    assert not sandbox.client_id.startswith("23")
    as_client = _token_call(
        sandbox, grant_type="client_credentials", client_id=sandbox.module_id, client_secret=""
    )
    _assert_oauth_error(as_client)
    assert (as_client.status_code, as_client.json()["error"]) == (401, "invalid_client")
    refresh = _token_call(
        sandbox,
        grant_type="refresh_token",
        client_id=sandbox.module_id,
        refresh_token=refresh_token(sandbox),
        organization_id=sandbox.main_org,
    )
    _assert_oauth_error(refresh)
    assert refresh.json()["error"] == "invalid_client"
    api = ModuleApi(sandbox)  # logged in with the client id
    module = f"module/{sandbox.module_id}/organization/{sandbox.main_org}/organization/list"
    assert api.get(module).status_code == 200
    as_module = f"module/{sandbox.client_id}/organization/{sandbox.main_org}/organization/list"
    assert_error(api.get(as_module), 400, "moduleId")


def test_refresh_token_of_another_client_id_is_refused(sandbox: SandboxProcess) -> None:
    resp = _token_call(
        sandbox,
        grant_type="refresh_token",
        client_id="23" + "1" * 30,
        refresh_token=refresh_token(sandbox),
        organization_id=sandbox.main_org,
    )
    _assert_oauth_error(resp)


def test_access_token_is_bound_to_one_organization(sandbox: SandboxProcess) -> None:
    main = ModuleApi(sandbox, sandbox.main_org)
    branch = ModuleApi(sandbox, sandbox.branches[0])
    assert main.get(f"organization/{sandbox.main_org}/show").status_code == 200
    assert branch.get(f"organization/{sandbox.branches[0]}/show").status_code == 200
    # main's token on a branch route, and the branch's token on main's routes
    for api, other in ((main, sandbox.branches[0]), (branch, sandbox.main_org)):
        for path in (
            f"organization/{other}/show",
            f"organization/{other}/bookingTemplate/list",
            f"organization/{other}/bookingResource/list",
        ):
            resp = api.get(path)
            assert_error(resp, 401)
    resp = branch.get(
        f"module/{sandbox.module_id}/organization/{sandbox.main_org}/organization/list"
    )
    assert_error(resp, 401)
    # The other branch is another organization, too.
    assert_error(branch.get(f"organization/{sandbox.branches[1]}/show"), 401)


def test_booking_needs_the_organizations_own_token(sandbox: SandboxProcess) -> None:
    branch = ModuleApi(sandbox, sandbox.branches[0])
    tpl = branch.template_id("mitte-haircut")
    path = f"organization/{sandbox.branches[0]}/bookingTemplate/{tpl}/bookingSlot/earliest"
    slot = branch.content(path)
    assert slot is not None
    main = ModuleApi(sandbox, sandbox.main_org)
    resp = main.post(
        f"organization/{sandbox.branches[0]}/appointment/add",
        json={"bookingSlotId": slot["id"], "customer": {"firstName": "A", "lastName": "B"}},
    )
    assert_error(resp, 401)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("Bearer", id="scheme-only"),
        pytest.param("Bearer    ", id="blank-token"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic-scheme"),
        pytest.param("Token abc", id="other-scheme"),
        pytest.param("Bearer not-a-token-we-issued", id="unknown"),
        pytest.param("Bearer " + "A" * 500, id="long-unknown"),
        pytest.param("refresh", id="refresh-token-as-bearer"),
    ],
)
def test_bad_tokens_get_a_401_envelope(sandbox: SandboxProcess, header: str | None) -> None:
    if header == "refresh":
        header = f"Bearer {refresh_token(sandbox)}"
    headers = {} if header is None else {"Authorization": header}
    for lang in ("en", "de"):
        url = f"{sandbox.base_url}{lang}/organization/{sandbox.main_org}/show"
        resp = requests.get(url, headers=headers, timeout=TIMEOUT)
        assert_error(resp, 401)
        assert resp.json()["content"] is None
    # Module-wide routes and static lists are refused the same way.
    for path in (
        f"module/{sandbox.module_id}/organization/filter?searchQuery=",
        "static/country/list",
    ):
        resp = requests.get(f"{sandbox.base_url}en/{path}", headers=headers, timeout=TIMEOUT)
        assert_error(resp, 401)


def test_expired_token_is_401_and_renewal_works(short_ttl: SandboxProcess) -> None:
    refresh = refresh_token(short_ttl)

    def fresh_access() -> dict[str, Any]:
        resp = _token_call(
            short_ttl,
            grant_type="refresh_token",
            client_id=short_ttl.client_id,
            refresh_token=refresh,
            organization_id=short_ttl.main_org,
        )
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    first = fresh_access()
    assert first["expires_in"] == 1
    api = ModuleApi(short_ttl, short_ttl.main_org, token=first["access_token"])
    path = f"organization/{short_ttl.main_org}/show"
    assert api.get(path).status_code == 200  # alive right after it was issued
    time.sleep(2.1)
    expired = api.get(path)
    assert_error(expired, 401)
    de = api.with_lang("de").get(path)
    assert_error(de, 401)
    assert failures(de)[0]["text"] != failures(expired)[0]["text"]
    # Renew with the refresh token and retry once: what the SDK does on a 401.
    renewed = ModuleApi(short_ttl, short_ttl.main_org, token=fresh_access()["access_token"])
    assert renewed.get(path).status_code == 200


def test_many_clients_get_tokens_at_once(sandbox: SandboxProcess) -> None:
    def flow(_: int) -> str:
        with requests.Session() as session:
            return access_token(sandbox, sandbox.main_org, session)

    with ThreadPoolExecutor(20) as pool:
        tokens = list(pool.map(flow, range(20)))
    assert len(set(tokens)) == 20
    for token in tokens[:3]:
        api = ModuleApi(sandbox, token=token)
        assert api.get(f"organization/{sandbox.main_org}/show").status_code == 200
