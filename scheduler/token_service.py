"""TokenService: translates requests into TokenBook calls made as the caller."""

from __future__ import annotations

from abaqueue.v1 import token_service_pb2 as pb
from abaqueue.v1 import token_service_pb2_grpc as pb_grpc

from . import convert
from .auth import caller
from .domain.identity import Principal
from .grpc_errors import mapped
from .tokens import TokenBook

TOKENS = pb.DESCRIPTOR.services_by_name["TokenService"].full_name


class TokenService(pb_grpc.TokenServiceServicer):
    def __init__(self, tokens: TokenBook) -> None:
        self.tokens = tokens

    @mapped
    async def CreateToken(self, request, context):
        principal = Principal(request.user, convert.role_from_pb(request.role), request.team)
        secret, record = self.tokens.create_as(caller(), principal, convert.ttl_from_pb(request),
                                               request.description)
        return pb.CreateTokenResponse(token=secret, info=convert.token_to_pb(record))

    @mapped
    async def GetTokenInfo(self, request, context):
        return pb.GetTokenInfoResponse(info=convert.token_to_pb(self.tokens.get_as(caller(), request.token_id)))

    @mapped
    async def DeleteToken(self, request, context):
        return pb.DeleteTokenResponse(info=convert.token_to_pb(self.tokens.revoke_as(caller(), request.token_id)))

    @mapped
    async def RenewToken(self, request, context):
        record = self.tokens.renew_as(caller(), request.token_id, convert.ttl_from_pb(request))
        return pb.RenewTokenResponse(info=convert.token_to_pb(record))

    @mapped
    async def ListTokens(self, request, context):
        records = self.tokens.list_as(caller(), request.user)
        return pb.ListTokensResponse(tokens=[convert.token_to_pb(r) for r in records])

    @mapped
    async def LookupToken(self, request, context):
        record = self.tokens.lookup_as(caller(), request.token_sha256)
        return pb.LookupTokenResponse(info=convert.token_to_pb(record))
