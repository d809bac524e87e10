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
from .handler_wrap import PerMethod, wrap_around
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
        self._wrapped = PerMethod(self._wrap)

    def _audit(self, who: Principal | None, method: str, code: str, detail: str) -> None:
        """Record a call worth recording (domain/audit.py: `worth_recording`, which callers check)."""
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
        return self._wrapped.get(details.method, handler)

    async def _caller_of(self, method: str, context: grpc.aio.ServicerContext) -> Principal:
        """Who makes the call; a call without a valid token is refused (and audited) here."""
        token = bearer(context.invocation_metadata())
        try:
            who = await self.authenticate(token, self.port) if token else None
        except (SchedulerError, StoreError) as e:
            log.warning("could not check a token for %s: %s", method, e)
            await context.abort(code_for(e), str(e))
        if who is None:
            self._audit(None, method, "UNAUTHENTICATED",
                        "no bearer token" if not token else "token not valid on this port")
            await context.abort(grpc.StatusCode.UNAUTHENTICATED,
                                "a valid bearer token is required in the 'authorization' metadata" if not token
                                else "the token is unknown, expired, revoked or not for this port")
        return who

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """The handler run with its caller's principal as `caller()` and its log lines naming the job,
        attempt and node (each call runs in its own task, so the context variables die with the
        call); audited once it is over."""
        return wrap_around(handler, lambda request, context: _Call(self, method, request, context))

    def _ended(self, method: str, request, context: grpc.aio.ServicerContext, who: Principal) -> None:
        code = status_of(context).name
        if not worth_recording(method, code):
            return
        detail = (context.details() or "") if code != "OK" else _describe(request)
        self._audit(who, method, code, detail if isinstance(detail, str) else str(detail))


class _Call:
    """One call through TokenInterceptor: its caller known (else refused) before it runs."""

    __slots__ = ("interceptor", "method", "request", "context", "who")

    def __init__(self, interceptor: TokenInterceptor, method: str, request, context) -> None:
        self.interceptor, self.method, self.request, self.context = interceptor, method, request, context

    async def __aenter__(self) -> None:
        self.who = await self.interceptor._caller_of(self.method, self.context)
        _CALLER.set(self.who)
        log_format.set_context(**ids_of(self.request, self.who))  # its lines name what it is about

    async def __aexit__(self, *ended_with) -> None:
        self.interceptor._ended(self.method, self.request, self.context, self.who)


def _describe(request) -> str:
    """A one-line summary of a request message for the audit log (no secrets travel in requests)."""
    try:
        return text_format.MessageToString(request, as_one_line=True)
    except Exception:  # a request stream, not a message
        return ""

