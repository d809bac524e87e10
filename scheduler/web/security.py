"""What keeps the dashboard safe: a Content-Security-Policy and the other protective headers on
every answer, the session behind the cookie authenticated again on every request (as a gRPC call
would be), and CSRF protection on every action (the session's token in a header, and the request
from this origin)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from ..domain.identity import Port, Principal
from .errors import refusal
from .sessions import Session, Sessions

COOKIE = "abaqueue_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = frozenset({"/api/signin"})  # asked before there is a session
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

Authenticate = Callable[[str, Port], Awaitable[Principal | None]]
WHO = web.RequestKey("who", Principal)
SESSION = web.RequestKey("session", Session)


@web.middleware
async def protective_headers(request: web.Request, handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as e:
        e.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def same_origin(request: web.Request) -> bool:
    """Whether the browser says the request comes from a page of this dashboard (browsers send
    Origin with every POST; Sec-Fetch-Site where they know it)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    # the host alone: behind a proxy that ends TLS, the page is https and this request http
    return origin is None or urlsplit(origin).netloc == request.host


def over_https(request: web.Request) -> bool:
    """Whether the browser reached the dashboard over TLS, here or at a proxy in front (which says
    so in X-Forwarded-Proto: believing it can only make the cookie stricter)."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def signed_in(sessions: Sessions, authenticate: Authenticate):
    """The middleware that puts the caller (WHO) and their session (SESSION) on every /api/
    request but sign-in, or refuses it: 401 without a live session, 403 for an action without
    the session's CSRF token or from another origin."""

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
        if request.method not in SAFE_METHODS and not same_origin(request):
            return refusal(403, "the request comes from another site")
        if request.path in OPEN_PATHS:
            return await handler(request)
        session = sessions.get(request.cookies.get(COOKIE, ""))
        who = None if session is None else await authenticate(session.token, Port.SUBMISSION)
        if who is None:
            if session is not None:
                sessions.close(session.id)  # its token was revoked or expired
            return refusal(401, "not signed in")
        if request.method not in SAFE_METHODS and not session.allows(request.headers.get(CSRF_HEADER, "")):
            return refusal(403, f"{CSRF_HEADER}: missing or not this session's")
        request[WHO], request[SESSION] = who, session
        return await handler(request)

    return middleware


def caller(request: web.Request) -> Principal:
    return request[WHO]


def session_of(request: web.Request) -> Session:
    return request[SESSION]
