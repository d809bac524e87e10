"""The dashboard's entries in the audit log, as the gRPC ports make them: every admin action
(whatever its outcome) and every refused request, named by method and path, on the port "web"."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from aiohttp import web

from ..domain.audit import REFUSED_CODES, AuditEntry
from .security import WHO

log = logging.getLogger(__name__)

CODE_NAMES = {200: "OK", 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
              404: "NOT_FOUND", 409: "FAILED_PRECONDITION", 413: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED",
              503: "UNAVAILABLE"}


def is_admin_action(request: web.Request) -> bool:
    return request.method == "POST" and request.path.startswith("/api/admin/")


def audited(record: Callable[[AuditEntry], None], clock: Callable[[], float]):
    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        response = await handler(request)
        code = CODE_NAMES.get(response.status, "UNKNOWN")
        if not (is_admin_action(request) or code in REFUSED_CODES):
            return response
        who = request.get(WHO)
        entry = AuditEntry(clock(), who.user if who else "", who.role.value if who else "", "web",
                           f"{request.method} {request.path}", code, _error_of(response))
        log.log(logging.INFO if code == "OK" else logging.WARNING, "audit: %s (%s) %s on the web port: %s %s",
                entry.user or "-", entry.role or "not signed in", entry.method, code, entry.detail)
        try:
            record(entry)
        except Exception:  # the audit store failing must not turn an answer into an error
            log.exception("could not store the audit entry for %s", entry.method)
        return response

    return middleware


def _error_of(response: web.StreamResponse) -> str:
    body = getattr(response, "text", None)
    if response.status == 200 or not body:
        return ""
    try:
        return str(json.loads(body).get("error", ""))
    except (ValueError, AttributeError):
        return ""
