"""Domain errors to gRPC status codes, in one place, for every handler."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging

import grpc

from .domain.errors import (
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
from .store import StoreError

log = logging.getLogger(__name__)

CODES: list[tuple[type[Exception], grpc.StatusCode]] = [
    (InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
    (Conflict, grpc.StatusCode.ABORTED),
    (Unavailable, grpc.StatusCode.UNAVAILABLE),
    (StoreError, grpc.StatusCode.UNAVAILABLE),
    (DataLoss, grpc.StatusCode.DATA_LOSS),
]


# A refusal another Abaqueue service answered, as the error it stands for here (the first class of
# its code above); a caller that service no longer knows is one it does not allow.
_REFUSALS = {code: cls for cls, code in reversed(CODES) if code not in (grpc.StatusCode.UNAVAILABLE,
                                                                      grpc.StatusCode.DATA_LOSS)}
_REFUSALS[grpc.StatusCode.UNAUTHENTICATED] = PermissionDenied


def error_for(code: grpc.StatusCode, message: str) -> SchedulerError | None:
    """The error a refusal of `code` from another Abaqueue service is here, with its message; None
    for a code that is no refusal (the service failed, or could not be reached)."""
    cls = _REFUSALS.get(code)
    if cls is None:
        return None
    if cls is InvalidArgument:  # its message names the field first, as every InvalidArgument's does
        field, _, rest = message.partition(": ")
        return InvalidArgument(field, rest) if rest else InvalidArgument("request", message)
    return cls(message)


def status_of(context: grpc.aio.ServicerContext, failed: BaseException | None = None) -> grpc.StatusCode:
    """The status a served call ended with: the one it set, else OK (or, when it raised `failed`
    without setting one, CANCELLED for a cancelled call and UNKNOWN for anything else)."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    if failed is None:
        return grpc.StatusCode.OK
    cancelled = isinstance(failed, (asyncio.CancelledError, GeneratorExit))
    return grpc.StatusCode.CANCELLED if cancelled else grpc.StatusCode.UNKNOWN


def code_for(error: Exception) -> grpc.StatusCode:
    for cls, code in CODES:
        if isinstance(error, cls):
            return code
    return grpc.StatusCode.INTERNAL


async def _abort(context: grpc.aio.ServicerContext, error: Exception, method: str) -> None:
    code = code_for(error)
    if code is grpc.StatusCode.INTERNAL:
        log.exception("%s failed", method)
        await context.abort(code, "internal error; see the scheduler's log")
    log.debug("%s: %s %s", method, code.name, error)  # refusals of the caller are in the audit log
    await context.abort(code, str(error))


def mapped(handler):
    """Wrap a servicer method (unary or server-streaming) so domain errors get their status."""
    if inspect.isasyncgenfunction(handler):
        @functools.wraps(handler)
        async def stream(self, request, context):
            try:
                async for item in handler(self, request, context):
                    yield item
            except (SchedulerError, StoreError) as e:
                await _abort(context, e, handler.__name__)
        return stream

    @functools.wraps(handler)
    async def unary(self, request, context):
        try:
            return await handler(self, request, context)
        except (SchedulerError, StoreError) as e:
            await _abort(context, e, handler.__name__)
    return unary
