"""The agent's line to the scheduler's execution port: calls retried through outages."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import grpc

from abaqueue.retry import TRANSIENT, backoff
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc

log = logging.getLogger(__name__)


def _attempt_of(request) -> str:
    """"job J attempt N[ outcome O]" for a call about one attempt; "" for any other."""
    if "job_attempt" not in type(request).DESCRIPTOR.fields_by_name or not request.HasField("job_attempt"):
        return ""
    about = f"job {request.job_attempt.job_id} attempt {request.job_attempt.attempt}"
    return f"{about} outcome {request.outcome}" if "outcome" in type(request).DESCRIPTOR.fields_by_name else about


class SchedulerLink:
    def __init__(
        self, address: str, *, token: str | None = None, credentials: grpc.ChannelCredentials | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, call_timeout_s: float = 30.0,
    ) -> None:
        self.address = address
        self.metadata = (("authorization", f"Bearer {token}"),) if token else None
        self.channel = (grpc.aio.secure_channel(address, credentials) if credentials
                        else grpc.aio.insecure_channel(address))
        self.stub = ex_grpc.ExecutionServiceStub(self.channel)
        self.sleep = sleep
        self.call_timeout_s = call_timeout_s

    async def call(self, method: str, request, *, timeout: float | None = None):
        """Call `method`, retrying transient failures with backoff until it gets an answer.
        Permanent errors (and FAILED_PRECONDITION, the fencing answer) are raised at once."""
        rpc = getattr(self.stub, method)
        about = _attempt_of(request)
        attempt = 0
        while True:
            sent = time.time()
            try:
                answer = await rpc(request, timeout=timeout or self.call_timeout_s, metadata=self.metadata)
            except grpc.aio.AioRpcError as e:
                if about:
                    log.debug("call %s %s sent %.6f: %s", method, about, sent, e.code().name)
                if e.code() not in TRANSIENT:
                    raise
                delay = backoff(attempt)
                log.warning("%s: %s (%s); retrying in %.1f s", method, e.code().name, e.details(), delay)
                await self.sleep(delay)
                attempt += 1
                continue
            if about:
                # what the scheduler accepted, and when it was asked: a chaos run's witness that no
                # call for an attempt already superseded was taken (tests/chaos)
                log.debug("call %s %s sent %.6f: OK", method, about, sent)
            return answer

    async def close(self) -> None:
        await self.channel.close()
