"""Domain errors to HTTP answers for every dashboard handler: the status code the gRPC services
give each error (grpc_errors.code_for, where errors are classified), as HTTP names it, and the same
message (it names the field at fault)."""

from __future__ import annotations

import grpc
from aiohttp import web

from ..domain.errors import SchedulerError
from ..grpc_errors import code_for
from ..store import StoreError

S = grpc.StatusCode
HTTP_STATUS = {  # as Google's HTTP mapping of gRPC codes has it
    S.INVALID_ARGUMENT: 400, S.NOT_FOUND: 404, S.PERMISSION_DENIED: 403, S.RESOURCE_EXHAUSTED: 429,
    S.FAILED_PRECONDITION: 409, S.ABORTED: 409, S.UNAVAILABLE: 503, S.DATA_LOSS: 500,
}


def refusal(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def mapped(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (SchedulerError, StoreError) as e:
        status = HTTP_STATUS.get(code_for(e))
        if status is None:  # not one the services answer with: a bug, for the log
            raise
        return refusal(status, str(e))
