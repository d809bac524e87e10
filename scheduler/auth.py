"""Bearer tokens on every call: a grpc.aio interceptor per port.

The caller's principal is put in a context variable for the handler (`caller()`); the services
never see metadata. Health checking and reflection stay open so load balancers and grpcurl work
without a token.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Awaitable, Callable

import grpc
from google.protobuf import text_format

from abaqueue import log_format

from .call_context import ids_of
from .domain.audit import AuditEntry, worth_recording
from .domain.errors import SchedulerError
from .domain.identity import Port, Principal
from .grpc_errors import code_for, status_of
from .handler_wrap import wrap_behavior
from .store import StoreError

log = logging.getLogger(__name__)

OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
_CALLER: contextvars.ContextVar[Principal] = contextvars.ContextVar("caller")

Authenticate = Callable[[str, Port], Awaitable[Principal | None]]


def caller() -> Principal:
    """The principal of the call being served; only valid inside an intercepted handler."""
    return _CALLER.get()


def bearer(metadata) -> str:
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str) and value[:7].lower() == "bearer ":
            return value[7:].strip()
    return ""


def _as_caller(handler: grpc.RpcMethodHandler, who: Principal,
               ended: Callable[[object, grpc.aio.ServicerContext], None]) -> grpc.RpcMethodHandler:
    """The same handler, run with `who` as the caller and its log lines naming the job, attempt and
    node (each call runs in its own task, so the context variables die with the call); `ended` is
    told of every call once it is over."""

    def unary(behavior: Callable[..., Awaitable]):
        async def run(request_or_iterator, context):
            _CALLER.set(who)
            log_format.set_context(**ids_of(request_or_iterator, who))  # its lines name what it is about
            try:
                return await behavior(request_or_iterator, context)
            finally:
                ended(request_or_iterator, context)
        return run

    def streaming(behavior):
        async def run(request_or_iterator, context):
            _CALLER.set(who)
            log_format.set_context(**ids_of(request_or_iterator, who))  # its lines name what it is about
            try:
                async for response in behavior(request_or_iterator, context):
                    yield response
            finally:
                ended(request_or_iterator, context)
        return run

    return wrap_behavior(handler, unary, streaming)


def _refused(handler: grpc.RpcMethodHandler, code: grpc.StatusCode, message: str) -> grpc.RpcMethodHandler:
    def unary(_behavior):
        async def run(_request, context):
            await context.abort(code, message)
        return run

    def streaming(_behavior):
        async def run(_request, context):
            await context.abort(code, message)
            yield  # pragma: no cover - makes this an async generator, like the handler it replaces
        return run

    return wrap_behavior(handler, unary, streaming)


class TokenInterceptor(grpc.aio.ServerInterceptor):
    """Authenticates every call on `port` and hands `record` an AuditEntry for each admin action
    and each refused call (domain/audit.py says which)."""

    def __init__(self, port: Port, authenticate: Authenticate,
                 record: Callable[[AuditEntry], None] = lambda entry: None,
                 clock: Callable[[], float] = time.time) -> None:
        self.port = port
        self.authenticate = authenticate
        self.record = record
        self.clock = clock

    def _audit(self, who: Principal | None, method: str, code: str, detail: str) -> None:
        if not worth_recording(method, code):
            return
        entry = AuditEntry(self.clock(), who.user if who else "", who.role.value if who else "",
                           self.port.value, method, code, detail)
        log.log(logging.INFO if code == "OK" else logging.WARNING, "audit: %s (%s) %s on the %s port: %s %s",
                entry.user or "-", entry.role or "no valid token", method, entry.port, code, detail)
        try:
            self.record(entry)
        except Exception:  # the audit store failing must not turn an answer into an error
            log.exception("could not store the audit entry for %s", method)

    async def intercept_service(self, continuation, details: grpc.HandlerCallDetails):
        handler = await continuation(details)
        if handler is None or details.method.startswith(OPEN_SERVICES):
            return handler
        token = bearer(details.invocation_metadata)
        try:
            who = await self.authenticate(token, self.port) if token else None
        except (SchedulerError, StoreError) as e:
            log.warning("could not check a token for %s: %s", details.method, e)
            return _refused(handler, code_for(e), str(e))
        if who is None:
            self._audit(None, details.method, "UNAUTHENTICATED",
                        "no bearer token" if not token else "token not valid on this port")
            return _refused(handler, grpc.StatusCode.UNAUTHENTICATED,
                            "a valid bearer token is required in the 'authorization' metadata" if not token
                            else "the token is unknown, expired, revoked or not for this port")

        def ended(request, context: grpc.aio.ServicerContext) -> None:
            code = status_of(context).name
            detail = (context.details() or "") if code != "OK" else _describe(request)
            self._audit(who, details.method, code, detail if isinstance(detail, str) else str(detail))

        return _as_caller(handler, who, ended)


def _describe(request) -> str:
    """A one-line summary of a request message for the audit log (no secrets travel in requests)."""
    try:
        return text_format.MessageToString(request, as_one_line=True)
    except Exception:  # a request stream, not a message
        return ""
