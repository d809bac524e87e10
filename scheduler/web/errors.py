"""Domain errors to HTTP answers, in one place, for every dashboard handler: the same classes the
gRPC services map to status codes, and the same messages (they name the field at fault)."""

from __future__ import annotations

import logging

from aiohttp import web

from ..domain.errors import (
    Conflict,
    DataLoss,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    SchedulerError,
    Unavailable,
)
from ..store import StoreError

log = logging.getLogger(__name__)

STATUSES: list[tuple[type[Exception], int]] = [
    (InvalidArgument, 400),
    (NotFound, 404),
    (PermissionDenied, 403),
    (ResourceExhausted, 429),
    (FailedPrecondition, 409),
    (Conflict, 409),
    (Unavailable, 503),
    (StoreError, 503),
    (DataLoss, 500),
]


def refusal(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def answer_for(error: SchedulerError | StoreError) -> web.Response:
    status = next(code for kind, code in STATUSES if isinstance(error, kind))
    return refusal(status, str(error))


@web.middleware
async def mapped(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (SchedulerError, StoreError) as e:
        if not any(isinstance(e, kind) for kind, _ in STATUSES):
            raise
        return answer_for(e)
