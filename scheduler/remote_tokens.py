"""A token database elsewhere (`--address_to_token_database`).

Tokens are checked by their SHA-256 against the remote TokenService's LookupToken (the secret never
leaves this scheduler), and each answer, found or not, is kept for a few seconds so that a busy
port does not ask once per call. Revoking therefore takes up to that long to reach this scheduler,
unless the revocation itself comes through here. Token management on this scheduler's submission
port is forwarded to the database as the caller's own call, so the database decides who may do what.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

import grpc

from abaqueue.v1 import token_service_pb2 as pb
from abaqueue.v1 import token_service_pb2_grpc as pb_grpc

from . import convert
from .auth import bearer
from .domain.errors import InvalidArgument, Unavailable
from .domain.identity import TOKEN_PREFIX, Port, Principal, TokenRecord, authenticate, hash_token
from .recently_used import keep_newest
from .tokens import MAX_CACHED

log = logging.getLogger(__name__)

MAX_CACHED_UNKNOWN = 1_000  # hashes the database did not know: kept apart, so a flood of made-up
# tokens cannot push real ones out of the cache


class RemoteTokens:
    """Authenticates callers against the TokenService reachable through `channel`, asking as the
    holder of `credential` (an admin token of that database)."""

    def __init__(self, channel: grpc.aio.Channel, credential: str, *, address: str = "",
                 cache_s: float = 10.0, timeout_s: float = 5.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.stub = pb_grpc.TokenServiceStub(channel)
        self.address = address
        self.metadata = (("authorization", f"Bearer {credential}"),)
        self.cache_s = cache_s
        self.timeout_s = timeout_s
        self.clock = clock
        self._known: OrderedDict[str, tuple[float, TokenRecord]] = OrderedDict()
        self._unknown: OrderedDict[str, float] = OrderedDict()

    async def authenticate(self, secret: str, port: Port) -> Principal | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        return authenticate(secret, await self._record(hash_token(secret)), port, self.clock())

    async def _record(self, token_hash: str) -> TokenRecord | None:
        now = self.clock()
        known = self._known.get(token_hash)
        if known is not None and now < known[0]:
            self._known.move_to_end(token_hash)
            return known[1]
        if now < self._unknown.get(token_hash, now):
            return None
        try:
            reply = await self.stub.LookupToken(pb.LookupTokenRequest(token_sha256=token_hash),
                                                metadata=self.metadata, timeout=self.timeout_s)
            record = convert.token_from_pb(reply.info, token_hash)
        except grpc.aio.AioRpcError as e:
            if e.code() is not grpc.StatusCode.NOT_FOUND:
                log.error("the token database at %s answered %s: %s", self.address, e.code().name, e.details())
                raise Unavailable(f"the token database cannot be asked now ({e.code().name}); retry later") from e
            keep_newest(self._unknown, token_hash, now + self.cache_s, MAX_CACHED_UNKNOWN)
            return None
        except InvalidArgument as e:  # an answer this scheduler cannot read: the database's fault
            log.error("the token database at %s gave a malformed answer: %s", self.address, e)
            raise Unavailable("the token database gave an answer this scheduler cannot read") from e
        keep_newest(self._known, token_hash, (now + self.cache_s, record), MAX_CACHED)
        return record

    async def ask_as(self, method, request, token: str):
        """The database's answer to `method` (of `stub`) called with `token`, the caller's own."""
        return await method(request, metadata=(("authorization", f"Bearer {token}"),), timeout=self.timeout_s)

    def forget(self, token_id: str) -> None:
        """Drop what is cached of the token named `token_id`, so a revocation or renewal counts at once."""
        for cache in (self._known, self._unknown):
            for token_hash in [h for h in cache if h.startswith(token_id)]:
                del cache[token_hash]


class ForwardedTokenService(pb_grpc.TokenServiceServicer):
    """The TokenService of a scheduler whose tokens live in `remote`: every call goes on to the
    database with the caller's own token, and its answer or error comes back unchanged."""

    def __init__(self, remote: RemoteTokens) -> None:
        self.remote = remote

    async def _forward(self, method, request, context):
        try:
            return await self.remote.ask_as(method, request, bearer(context.invocation_metadata()))
        except grpc.aio.AioRpcError as e:
            code = e.code()
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                await context.abort(grpc.StatusCode.UNAVAILABLE,
                                    "the token database cannot be reached now; retry later")
            await context.abort(code, e.details() or code.name)

    async def CreateToken(self, request, context):
        return await self._forward(self.remote.stub.CreateToken, request, context)

    async def GetTokenInfo(self, request, context):
        return await self._forward(self.remote.stub.GetTokenInfo, request, context)

    async def DeleteToken(self, request, context):
        reply = await self._forward(self.remote.stub.DeleteToken, request, context)
        self.remote.forget(reply.info.token_id)
        return reply

    async def RenewToken(self, request, context):
        reply = await self._forward(self.remote.stub.RenewToken, request, context)
        self.remote.forget(reply.info.token_id)
        return reply

    async def ListTokens(self, request, context):
        return await self._forward(self.remote.stub.ListTokens, request, context)

    async def LookupToken(self, request, context):
        return await self._forward(self.remote.stub.LookupToken, request, context)
