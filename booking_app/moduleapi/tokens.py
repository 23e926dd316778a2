"""Access tokens of the anonymous two-step OAuth flow, one per organization.

1. `client_credentials` with the module's id and an empty secret → a refresh token
   (one per module, shared by all organizations);
2. `refresh_token` + `organization_id` → an access token bound to that organization;
   for paths without `organization/{f6…}/` (`static/…`,
   `module/{moduleId}/organization/filter`) the SDK sends no `organization_id` and
   gets a token without an organization: `access_token(None)` does the same
   (`organization_of(path)` says which a path needs).

A token is kept in the shared cache (so many processes share it) and in this
process's memory (so a failing shared cache costs no logins), renewed shortly before
it expires, and fetched once even when many threads ask at the same moment: a lock
per organization in this process, and a short lock key (`cache.add`) across them.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from booking_app.cache import SafeCache
from booking_app.moduleapi import errors
from booking_app.moduleapi.transport import Transport

log = logging.getLogger("booking_app.moduleapi")
RENEW_MARGIN = 60.0
DEFAULT_REFRESH_TTL = 3600
REFUSED_TTL = 300  # an organization the module does not serve: not asked again for this long
# Refusals of never-seen organizations per window before the widget stops asking for
# other never-seen ones (random ids must not cost a token request each); organizations
# that had a token before are always asked.
UNKNOWN_BUDGET = 1
UNKNOWN_WINDOW = 60
PROBE_SECONDS = 10
KNOWN_TTL = 7 * 86400
# A refresh token that just worked for some organization is not the reason another
# organization is refused: it is not dropped (and fetched anew) for that.
VERIFIED_FOR = 600.0
LOCK_STRIPES = 64
ROUTE = "oauth/token"
NO_ORGANIZATION = "-"  # cache key part of the token without organization (never an id)
_ORG_IN_PATH = re.compile(r"(?:^|/)organization/(f6[A-Za-z0-9]{30})/")


def organization_of(path: str) -> str | None:
    """The organization a path's token must be bound to, like the SDK decides it: the
    id in `organization/{f6…}/`, or None (`static/…`, `module/{id}/organization/filter`)."""
    found = _ORG_IN_PATH.search(path.split("?", 1)[0])
    return found.group(1) if found else None


def renew_at(issued: float, lifetime: float) -> float:
    """When to renew a token of `lifetime` seconds issued at `issued`: 60 s before it
    expires, or a tenth of its lifetime before when that is shorter (short-lived
    tokens would otherwise be renewed at once)."""
    return issued + lifetime - min(RENEW_MARGIN, lifetime / 10)


class TokenProvider:
    """Fetches, caches and renews access tokens for organizations."""

    def __init__(
        self,
        *,
        transport: Transport,
        cache: SafeCache,
        oauth_url: str,
        client_id: str,
        client_secret: str = "",
        lock_wait: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.transport = transport
        self.cache = cache
        self.oauth_url = oauth_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.lock_wait = lock_wait
        self.clock = clock
        self._local: dict[str, dict[str, Any]] = {}
        # Striped: a fixed number of locks, whatever ids (even made-up ones) come in.
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self._refresh_lock = threading.Lock()  # one refresh token, even for many orgs
        self._refresh_verified_at = float("-inf")
        self._marked: set[str] = set()  # organizations known to be served (bounded)

    # Cache ---------------------------------------------------------------------------
    def _key(self, org_id: str | None) -> str:
        return f"token:{self.client_id}:{NO_ORGANIZATION if org_id is None else org_id}"

    def _refresh_key(self) -> str:
        return f"refresh:{self.client_id}"

    def _remembered(self, key: str) -> str | None:
        """A token stored under `key` that need not be renewed yet (memory, then cache)."""
        now = self.clock()
        for entry in (self._local.get(key), self.cache.get(key)):
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("token"), str)
                and float(entry.get("renew_at", 0)) > now
            ):
                self._local[key] = entry
                return str(entry["token"])
        return None

    def _remember(self, key: str, token: str, lifetime: float) -> None:
        entry = {"token": token, "renew_at": renew_at(self.clock(), lifetime)}
        self._local[key] = entry
        self.cache.set(key, entry, timeout=max(1, int(lifetime)))

    def _forget(self, key: str, token: str | None = None) -> None:
        for store in (self._local.get(key), self.cache.get(key)):
            if isinstance(store, dict) and (token is None or store.get("token") == token):
                self._local.pop(key, None)
                self.cache.delete(key)
                return

    def _refused_key(self, org_id: str | None) -> str:
        return f"refused:{self.client_id}:{NO_ORGANIZATION if org_id is None else org_id}"

    def _lock(self, org_id: str | None) -> threading.Lock:
        return self._locks[hash(org_id) % LOCK_STRIPES]

    # Public --------------------------------------------------------------------------
    def access_token(self, org_id: str | None) -> str:
        """A valid access token for `org_id`, or without organization for None (fetched
        only when none is at hand)."""
        token = self._remembered(self._key(org_id))
        if token:
            return token
        with self._lock(org_id):
            token = self._remembered(self._key(org_id))  # another thread may have got one
            if token:
                return token
            refused = self.cache.get(self._refused_key(org_id))
            if isinstance(refused, str):
                raise errors.NotFoundError(refused)
            if org_id is not None and not self._known(org_id) and self._unknown_flood():
                raise errors.NotFoundError(
                    "too many unknown organizations just now; not asking for this one"
                )
            token = self._fetch_shared(org_id)
            if org_id is not None:
                self.mark_known(org_id)
            return token

    def mark_known(self, org_id: str) -> None:
        """`org_id` is one the module serves (e.g. a branch the API listed): never held
        back as unknown."""
        if org_id not in self._marked:
            self.cache.set(self._known_key(org_id), 1, timeout=KNOWN_TTL)
            if len(self._marked) < 10_000:
                self._marked.add(org_id)

    def _known_key(self, org_id: str) -> str:
        return f"known:{self.client_id}:{org_id}"

    def _known(self, org_id: str) -> bool:
        return org_id in self._marked or self.cache.get(self._known_key(org_id)) is not None

    def _flood_key(self) -> str:
        return f"unknown:{self.client_id}:{int(self.clock() // UNKNOWN_WINDOW)}"

    def _unknown_flood(self) -> bool:
        """Whether never-seen organizations were refused UNKNOWN_BUDGET times in this
        window already. Even then one never-seen organization is asked about every
        PROBE_SECONDS, so a real new organization waits seconds, not the window."""
        count = self.cache.get(self._flood_key())
        if not (isinstance(count, int) and count >= UNKNOWN_BUDGET):
            return False
        probe = f"probe:{self.client_id}"
        return not self.cache.add(probe, 1, timeout=PROBE_SECONDS)

    def _count_unknown(self) -> None:
        key = self._flood_key()
        count = self.cache.get(key)
        self.cache.set(key, (count if isinstance(count, int) else 0) + 1, UNKNOWN_WINDOW * 2)

    def invalidate(self, org_id: str | None, token: str) -> None:
        """Forget `token` (the API refused it) so that the next call renews it."""
        self._forget(self._key(org_id), token)

    # Fetching ------------------------------------------------------------------------
    def _fetch_shared(self, org_id: str | None) -> str:
        """Fetch, unless another process is fetching the same token right now: then
        wait (bounded) for its result."""
        lock_key = f"lock:{self._key(org_id)}"
        mine = self.cache.add(lock_key, 1, timeout=int(self.lock_wait) + 5)
        if not mine:
            deadline = time.monotonic() + self.lock_wait
            while time.monotonic() < deadline:
                time.sleep(0.05)
                token = self._remembered(self._key(org_id))
                if token:
                    return token
            log.warning("moduleapi token lock of another process timed out; fetching")
        try:
            return self._fetch(org_id)
        finally:
            if mine:
                self.cache.delete(lock_key)

    def _fetch(self, org_id: str | None) -> str:
        refresh, fresh = self._refresh_token()
        try:
            answer = self._exchange(refresh, org_id)
        except errors.AuthenticationError as error:
            if fresh or _code(error) != "invalid_grant" or self._verified_recently():
                raise self._org_refused(org_id, error) from error
            # The cached refresh token may have expired: get a new one, try once more.
            self._forget(self._refresh_key())
            refresh, _ = self._refresh_token()
            try:
                answer = self._exchange(refresh, org_id)
            except errors.AuthenticationError as again:
                raise self._org_refused(org_id, again) from again
        token = answer.get("access_token")
        lifetime = _seconds(answer.get("expires_in"))
        if not isinstance(token, str) or not token or not lifetime:
            raise errors.ResponseFormatError("the token endpoint gave no usable access token")
        self._remember(self._key(org_id), token[:4096], lifetime)
        self._refresh_verified_at = self.clock()
        return token[:4096]

    def _verified_recently(self) -> bool:
        """Whether the refresh token worked for some organization moments ago (then a
        refusal names the organization, not the refresh token)."""
        return self.clock() - self._refresh_verified_at < VERIFIED_FOR

    def _org_refused(
        self, org_id: str | None, error: errors.AuthenticationError
    ) -> errors.ModuleApiError:
        """A fresh refresh token was refused for an organization: with `invalid_grant`
        or `invalid_request` the module serves no such organization. That answer is
        remembered for REFUSED_TTL, and a flood of never-seen ids stops being asked
        about after UNKNOWN_BUDGET refusals per window, so unknown ids cannot make the
        widget log in again and again."""
        if org_id is None or _code(error) not in ("invalid_grant", "invalid_request"):
            return error
        if not self._known(org_id):
            self._count_unknown()
        refused = errors.NotFoundError(
            "this module serves no such organization",
            status=error.status,
            failures=error.failures,
            request_id=error.request_id,
        )
        self.cache.set(self._refused_key(org_id), refused.message, timeout=REFUSED_TTL)
        return refused

    def _exchange(self, refresh: str, org_id: str | None) -> dict[str, Any]:
        form = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "refresh_token": refresh,
        }
        if org_id is not None:
            form["organization_id"] = org_id
        return self._post(form)

    def refresh_token(self) -> str:
        """The module's refresh token (cached; fetched with the module's credentials)."""
        return self._refresh_token()[0]

    def _refresh_token(self) -> tuple[str, bool]:
        """The module's refresh token, and whether it was fetched just now."""
        with self._refresh_lock:
            cached = self._remembered(self._refresh_key())
            if cached:
                return cached, False
            return self._fetch_refresh_token(), True

    def _fetch_refresh_token(self) -> str:
        answer = self._post(
            {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            }
        )
        refresh = answer.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            raise errors.ResponseFormatError("the token endpoint gave no refresh token")
        lifetime = _seconds(answer.get("expires_in")) or DEFAULT_REFRESH_TTL
        self._remember(self._refresh_key(), refresh[:4096], lifetime)
        return refresh[:4096]

    def _post(self, form: dict[str, str]) -> dict[str, Any]:
        """POST to the token endpoint as multipart/form-data, as the SDK does (retried
        like a GET: asking again is harmless)."""
        response, request_id = self.transport.send(
            "POST", self.oauth_url, route=ROUTE, data=form, retry=True, multipart=True
        )
        try:
            body = response.json()
        except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
            body = None
        status = response.status_code
        if status == 200 and isinstance(body, dict):
            return body
        if status == 429:
            raise errors.RateLimitError("the token endpoint is rate limited", request_id=request_id)
        if status >= 500:
            raise errors.ServerError(
                "the token endpoint failed", status=status, request_id=request_id
            )
        if status in (400, 401, 403) and isinstance(body, dict) and "error" in body:
            code = str(body.get("error"))[:64]
            text = str(body.get("error_description") or "")[:200]
            raise errors.AuthenticationError(
                f"the token endpoint refused: {code}: {text}",
                status=status,
                failures=[(code, text)],
                request_id=request_id,
            )
        if status == 200:
            raise errors.ResponseFormatError(
                "the token endpoint answered without JSON", status=status, request_id=request_id
            )
        raise errors.AuthenticationError(
            "the token endpoint refused the module's credentials",
            status=status,
            request_id=request_id,
        )


def _code(error: errors.ModuleApiError) -> str | None:
    """The OAuth error code (`invalid_grant`, …) of a refusal."""
    return error.failures[0][0] if error.failures else None


def _seconds(value: Any) -> float:
    """A positive lifetime in seconds from a number or numeric string; 0 otherwise."""
    if isinstance(value, bool):
        return 0.0
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return 0.0
    return seconds if 0 < seconds < 10 * 365 * 86400 else 0.0
