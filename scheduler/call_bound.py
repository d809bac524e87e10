"""SCHEDULER_*_MAX_WORKERS: how many calls a port serves at once.

Long-polls wait, by design, for minutes: counting them would let a few dozen idle agents starve
heartbeats. So they are not counted; every other call waits for one of `max_calls` places
(in arrival order) instead of being refused.
"""

from __future__ import annotations

import asyncio

import grpc

from .handler_wrap import PerMethod, wrap_around

LONG_POLLS = frozenset({
    "/abaqueue.v1.ExecutionService/AcquireJob",
    "/abaqueue.v1.ExecutionService/AcquireTransferSlot",
    "/abaqueue.v1.SubmissionService/WatchJob",
    "/abaqueue.v1.SubmissionService/WatchJobEvents",
    "/abaqueue.v1.SubmissionService/WatchEvents",
})


class CallBound(grpc.aio.ServerInterceptor):
    def __init__(self, max_calls: int) -> None:
        self.places = asyncio.Semaphore(max_calls)
        self._wrapped = PerMethod(self._wrap)

    async def intercept_service(self, continuation, details: grpc.HandlerCallDetails):
        handler = await continuation(details)
        if handler is None or details.method in LONG_POLLS:
            return handler
        return self._wrapped.get(details.method, handler)

    def _wrap(self, _method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        places = self.places
        return wrap_around(handler, lambda request, context: places)
