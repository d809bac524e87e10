"""Token management from the dashboard, wherever the tokens live: in this scheduler's store, or in
the token database it asks. Either way it is the signed-in person's own call (their principal
here, their token there), so the same rules decide as on the gRPC TokenService."""

from __future__ import annotations

from typing import Protocol

import grpc

from abaqueue.v1 import token_service_pb2 as pb

from .. import convert
from ..domain.errors import SchedulerError, Unavailable
from ..domain.identity import Principal, TokenRecord
from ..grpc_errors import error_for
from ..remote_tokens import RemoteTokens
from ..tokens import TokenBook


class TokenAdmin(Protocol):
    """`who` signed in with `token`; a created token is (its secret, its record)."""

    async def list(self, who: Principal, token: str, user: str) -> list[TokenRecord]: ...

    async def create(self, who: Principal, token: str, principal: Principal, ttl_s: float | None,
                     description: str) -> tuple[str, TokenRecord]: ...

    async def revoke(self, who: Principal, token: str, token_id: str) -> TokenRecord: ...


class StoreTokens:
    """The tokens of this scheduler's own store."""

    def __init__(self, book: TokenBook) -> None:
        self.book = book

    async def list(self, who: Principal, token: str, user: str) -> list[TokenRecord]:
        return self.book.list_as(who, user)

    async def create(self, who: Principal, token: str, principal: Principal, ttl_s: float | None,
                     description: str) -> tuple[str, TokenRecord]:
        return self.book.create_as(who, principal, ttl_s, description)

    async def revoke(self, who: Principal, token: str, token_id: str) -> TokenRecord:
        return self.book.revoke_as(who, token_id)


class DatabaseTokens:
    """The tokens of the token database `remote` asks, managed there with the person's own token."""

    def __init__(self, remote: RemoteTokens) -> None:
        self.remote = remote

    async def _call(self, method, request, token: str):
        try:
            return await self.remote.ask_as(method, request, token)
        except grpc.aio.AioRpcError as e:
            raise _refusal(e) from e

    async def list(self, who: Principal, token: str, user: str) -> list[TokenRecord]:
        reply = await self._call(self.remote.stub.ListTokens, pb.ListTokensRequest(user=user), token)
        return [convert.token_from_pb(info, info.token_id) for info in reply.tokens]

    async def create(self, who: Principal, token: str, principal: Principal, ttl_s: float | None,
                     description: str) -> tuple[str, TokenRecord]:
        request = pb.CreateTokenRequest(user=principal.user, role=convert.ROLE_TO_PB[principal.role],
                                        team=principal.team, description=description)
        if ttl_s is not None:
            request.ttl.FromNanoseconds(round(ttl_s * 1e9))
        reply = await self._call(self.remote.stub.CreateToken, request, token)
        return reply.token, convert.token_from_pb(reply.info, reply.info.token_id)

    async def revoke(self, who: Principal, token: str, token_id: str) -> TokenRecord:
        reply = await self._call(self.remote.stub.DeleteToken, pb.DeleteTokenRequest(token_id=token_id), token)
        self.remote.forget(reply.info.token_id)  # so that it stops working here at once
        return convert.token_from_pb(reply.info, reply.info.token_id)


def _refusal(e: grpc.aio.AioRpcError) -> SchedulerError:
    """What the token database's refusal is here: its own error (a field at fault, not allowed, not
    found...) with its message; a database that cannot answer is one that is unavailable."""
    refused = error_for(e.code(), e.details() or e.code().name)
    if refused is None:
        return Unavailable(f"the token database cannot be asked now ({e.code().name}); retry later")
    return refused
