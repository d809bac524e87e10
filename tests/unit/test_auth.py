"""The token interceptor on a real grpc.aio server over loopback, with a real token store."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from abaqueue.v1 import job_pb2
from abaqueue.v1 import submission_service_pb2 as pb
from abaqueue.v1 import submission_service_pb2_grpc as pb_grpc
from scheduler.auth import TokenInterceptor, bearer, caller
from scheduler.domain.identity import Port, Principal, Role
from scheduler.store import SqliteStore
from scheduler.tokens import TokenBook


class EchoCaller(pb_grpc.SubmissionServiceServicer):
    """Answers with who the interceptor said the caller is."""

    async def GetJob(self, request, context):
        return pb.GetJobResponse(job=job_pb2.Job(id=request.job_id, owner=caller().user))

    async def WatchJob(self, request, context):
        for _ in range(2):
            yield pb.WatchJobResponse(job=job_pb2.Job(id=request.job_id, owner=caller().user))


@pytest.fixture
def book(tmp_path):
    store = SqliteStore(tmp_path / "store.sqlite3")
    yield TokenBook(store)
    store.close()


async def serve(book: TokenBook, port: Port) -> tuple[grpc.aio.Server, str]:
    server = grpc.aio.server(interceptors=[TokenInterceptor(port, book.authenticate)])
    pb_grpc.add_SubmissionServiceServicer_to_server(EchoCaller(), server)
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    await server.start()
    return server, address


async def calls(address: str, token: str | None) -> tuple[object, object]:
    """GetJob and WatchJob with `token`: the owner seen, or the status code."""
    metadata = (("authorization", f"Bearer {token}"),) if token is not None else None
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.SubmissionServiceStub(channel)
        results = []
        try:
            results.append((await stub.GetJob(pb.GetJobRequest(job_id="j"), metadata=metadata)).job.owner)
        except grpc.aio.AioRpcError as e:
            results.append(e.code())
        try:
            results.append([r.job.owner async for r in stub.WatchJob(pb.WatchJobRequest(job_id="j"),
                                                                       metadata=metadata)])
        except grpc.aio.AioRpcError as e:
            results.append(e.code())
        return tuple(results)


def test_the_caller_reaches_unary_and_streaming_handlers_and_others_are_refused(book):
    ana, _ = book.create(Principal("ana", Role.DEVELOPER))
    node, _ = book.create(Principal("node-7", Role.NODE))
    revoked, _ = book.create(Principal("gone", Role.ADMIN))
    book.revoke(book.list("gone")[0].token_id)
    refused = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAUTHENTICATED)

    async def scenario():
        server, address = await serve(book, Port.SUBMISSION)
        try:
            return {
                "ana": await calls(address, ana),
                "none": await calls(address, None),
                "empty": await calls(address, ""),
                "unknown": await calls(address, "abq_" + "0" * 64),
                "node": await calls(address, node),
                "revoked": await calls(address, revoked),
            }
        finally:
            await server.stop(None)

    seen = asyncio.run(scenario())
    assert seen["ana"] == ("ana", ["ana", "ana"])
    for who in ("none", "empty", "unknown", "node", "revoked"):
        assert seen[who] == refused, who


def test_health_checking_needs_no_token(book):
    async def scenario():
        server, address = await serve(book, Port.EXECUTION)
        try:
            async with grpc.aio.insecure_channel(address) as channel:
                return await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        finally:
            await server.stop(None)

    assert asyncio.run(scenario()).status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize(("metadata", "token"), [
    ((("authorization", "Bearer abq_x"),), "abq_x"),
    ((("authorization", "bearer  abq_x "),), "abq_x"),
    ((("authorization", "Basic abq_x"),), ""),
    ((("authorization", b"Bearer abq_x"),), ""),
    ((("x-other", "Bearer abq_x"),), ""),
    ((), ""),
    (None, ""),
])
def test_bearer(metadata, token):
    assert bearer(metadata) == token
