"""Response headers: who may frame the widget, and a strict content policy.

`frame-ancestors` (from BOOKING_FRAME_ANCESTORS) decides which sites may embed the
widget; X-Frame-Options is not sent because it cannot express a list and would
conflict. Scripts and styles come only from our own files: no inline code.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from booking_app.config import Settings

# app.extensions key: a callable giving the request's extra frame ancestors (the themes
# set it, so that this module needs to know nothing of themes).
FRAME_ANCESTORS_EXTENSION = "booking_frame_ancestors"
FrameAncestors = Callable[[], tuple[str, ...]]

# One year; no includeSubDomains: the widget must not decide for the operator's other hosts.
HSTS = "max-age=31536000"


def content_security_policy(settings: Settings, extra_ancestors: tuple[str, ...] = ()) -> str:
    """The CSP header value for these settings, plus an organization's own frame ancestors
    (from its theme file) added to BOOKING_FRAME_ANCESTORS."""
    ancestors = [a for a in settings.frame_ancestors if not (extra_ancestors and a == "'none'")]
    ancestors += [a for a in extra_ancestors if a not in ancestors]
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: https:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors " + " ".join(ancestors),
        ]
    )


def allow_extra_frame_ancestors(app: Flask, source: FrameAncestors) -> None:
    """Let `source()` add origins to `frame-ancestors` for the current request (an
    organization's own sites, from its theme file)."""
    app.extensions[FRAME_ANCESTORS_EXTENSION] = source


def _extra_frame_ancestors() -> tuple[str, ...]:
    source: FrameAncestors | None = current_app.extensions.get(FRAME_ANCESTORS_EXTENSION)
    return source() if source is not None else ()


PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=()"


def fixed_headers(settings: Settings) -> list[tuple[str, str]]:
    """The security headers that need no request (for the last-resort 500 page)."""
    headers = [
        ("Content-Security-Policy", content_security_policy(settings)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", PERMISSIONS),
    ]
    if settings.behind_https:
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


def keep_private(response: Response) -> Response:
    """For a page whose URL (or whose links) are the key to an appointment: out of
    shared caches, search indexes and referrers."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Add the security headers to every response."""
    policy = content_security_policy(settings)
    rest = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", PERMISSIONS),
    ]

    @app.after_request
    def _headers(response: Response) -> Response:
        extra = _extra_frame_ancestors()
        wanted = [
            (
                "Content-Security-Policy",
                content_security_policy(settings, extra) if extra else policy,
            ),
            *rest,
        ]
        if settings.behind_https or request.is_secure:
            wanted.append(("Strict-Transport-Security", HSTS))
        # One pass over the response's headers, not a case-blind scan per header (what
        # `setdefault` does): a page may have set its own (keep_private, the preview).
        present = {name.lower() for name, _value in response.headers}
        response.headers.extend([(k, v) for k, v in wanted if k.lower() not in present])
        return response


def init_proxy_fix(app: Flask, settings: Settings) -> None:
    """Trust `BOOKING_PROXY_FIX` proxies' X-Forwarded-For/-Proto/-Host/-Port, so the rate
    limits see the real client address and HTTPS is recognised. Off (0) by default:
    without a proxy these headers are whatever a client chose to send."""
    hops = settings.proxy_fix
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
