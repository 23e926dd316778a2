"""Access tokens of the anonymous two-step OAuth flow, one per organization.

A token is kept in the shared cache (so many processes share it), renewed shortly
before it expires, and fetched once even when many threads ask at the same moment:
a lock per organization in this process, and a short lock key in the shared cache
across processes.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from booking_app.moduleapi import errors
from booking_app.moduleapi.safecache import SafeCache
from booking_app.moduleapi.transport import Transport

log = logging.getLogger("booking_app.moduleapi")


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
    ) -> None:
        self.transport = transport
        self.cache = cache
        self.oauth_url = oauth_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.lock_wait = lock_wait
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _key(self, org_id: str) -> str:
        return f"token:{self.client_id}:{org_id}"

    def _cached(self, org_id: str) -> str | None:
        entry = self.cache.get(self._key(org_id))
        if isinstance(entry, dict) and entry.get("renew_at", 0) > time.time():
            return str(entry["token"])
        return None

    def _lock(self, org_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(org_id, threading.Lock())

    def access_token(self, org_id: str) -> str:
        """A valid access token for `org_id`."""
        token = self._cached(org_id)
        if token:
            return token
        with self._lock(org_id):
            token = self._cached(org_id)  # another thread may have fetched it meanwhile
            if token:
                return token
            return self._fetch_shared(org_id)

    def invalidate(self, org_id: str, token: str) -> None:
        """Forget `token` (the API refused it) so the next call renews it."""
        entry = self.cache.get(self._key(org_id))
        if isinstance(entry, dict) and entry.get("token") == token:
            self.cache.delete(self._key(org_id))

    def _fetch_shared(self, org_id: str) -> str:
        lock_key = f"lock:{self._key(org_id)}"
        mine = self.cache.add(lock_key, 1, timeout=int(self.lock_wait) + 5)
        if not mine:
            # Another process is logging in: wait for its token rather than ask again.
            deadline = time.monotonic() + self.lock_wait
            while time.monotonic() < deadline:
                time.sleep(0.05)
                token = self._cached(org_id)
                if token:
                    return token
        try:
            return self._fetch(org_id)
        finally:
            if mine:
                self.cache.delete(lock_key)

    def _fetch(self, org_id: str) -> str:
        refresh = self._refresh_token()
        try:
            answer = self._post(
                {
                    "grant_type": "refresh_token",
                    "client_id": self.client_id,
                    "refresh_token": refresh,
                    "organization_id": org_id,
                }
            )
        except errors.AuthenticationError:
            # The refresh token may have expired: get a new one and try once more.
            self._forget_refresh_token()
            fresh = self._refresh_token()
            try:
                answer = self._post(
                    {
                        "grant_type": "refresh_token",
                        "client_id": self.client_id,
                        "refresh_token": fresh,
                        "organization_id": org_id,
                    }
                )
            except errors.AuthenticationError as error:
                # A brand-new refresh token was refused for this organization: the
                # module does not serve it (or it does not exist).
                raise errors.NotFoundError(
                    "this module serves no such organization",
                    status=error.status,
                    request_id=error.request_id,
                ) from error
        token = answer.get("access_token")
        expires_in = answer.get("expires_in")
        try:
            lifetime = float(expires_in)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            lifetime = 0.0
        if not isinstance(token, str) or not token or lifetime <= 0:
            raise errors.ResponseFormatError("the token endpoint gave no usable access token")
        # Renew 60 s before expiry, or a tenth of the lifetime for short-lived tokens.
        margin = min(60.0, lifetime / 10)
        entry = {"token": token, "renew_at": time.time() + lifetime - margin}
        self.cache.set(self._key(org_id), entry, timeout=max(1, int(lifetime)))
        return token

    def _refresh_key(self) -> str:
        return f"refresh:{self.client_id}"

    def _refresh_token(self) -> str:
        cached = self.cache.get(self._refresh_key())
        if isinstance(cached, str) and cached:
            return cached
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
        lifetime = answer.get("expires_in")
        timeout = int(lifetime) - 60 if isinstance(lifetime, int) and lifetime > 120 else 3600
        self.cache.set(self._refresh_key(), refresh, timeout=timeout)
        return refresh

    def _forget_refresh_token(self) -> None:
        self.cache.delete(self._refresh_key())

    def _post(self, form: dict[str, str]) -> dict[str, Any]:
        response, request_id = self.transport.send(
            "POST", self.oauth_url, route="oauth/token", data=form
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code in (400, 401) and isinstance(body, dict):
            raise errors.AuthenticationError(
                f"OAuth refused: {body.get('error')}: {str(body.get('error_description'))[:200]}",
                status=response.status_code,
                request_id=request_id,
            )
        if response.status_code >= 500:
            raise errors.ServerError(
                "the token endpoint failed", status=response.status_code, request_id=request_id
            )
        if response.status_code != 200 or not isinstance(body, dict):
            raise errors.AuthenticationError(
                "the token endpoint refused the module's credentials",
                status=response.status_code,
                request_id=request_id,
            )
        return body
