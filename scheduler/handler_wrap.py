"""Rebuilding a gRPC method handler around a new behavior, for server interceptors, once per
method: what differs between calls is done inside the behavior, not by building a handler per call."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import grpc

_KINDS = {  # (request streaming, response streaming) -> handler attribute and builder
    (False, False): ("unary_unary", grpc.unary_unary_rpc_method_handler),
    (False, True): ("unary_stream", grpc.unary_stream_rpc_method_handler),
    (True, False): ("stream_unary", grpc.stream_unary_rpc_method_handler),
    (True, True): ("stream_stream", grpc.stream_stream_rpc_method_handler),
}


def wrap_behavior(handler: grpc.RpcMethodHandler, unary, streaming) -> grpc.RpcMethodHandler:
    """The same kind of handler, its behavior passed through `unary` or `streaming` (by response)."""
    attribute, build = _KINDS[(handler.request_streaming, handler.response_streaming)]
    wrap = streaming if handler.response_streaming else unary
    return build(wrap(getattr(handler, attribute)), request_deserializer=handler.request_deserializer,
                 response_serializer=handler.response_serializer)


def wrap_around(handler: grpc.RpcMethodHandler,
                around: Callable[..., AbstractAsyncContextManager]) -> grpc.RpcMethodHandler:
    """The same kind of handler, each call's behavior run inside `around(request, context)` (an
    async context manager: it sees how the call ended, a stream's too)."""

    def unary(behavior):
        async def run(request, context):
            async with around(request, context):
                return await behavior(request, context)
        return run

    def streaming(behavior):
        async def run(request, context):
            async with around(request, context):
                async for response in behavior(request, context):
                    yield response
        return run

    return wrap_behavior(handler, unary, streaming)


class PerMethod:
    """The handlers an interceptor wraps, built once per method (and again only if the handler it
    wraps changes) by `build(method, handler)`."""

    def __init__(self, build: Callable[[str, grpc.RpcMethodHandler], grpc.RpcMethodHandler]) -> None:
        self.build = build
        self._built: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    def get(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        built = self._built.get(method)
        if built is None or built[0] is not handler:
            built = self._built[method] = (handler, self.build(method, handler))
        return built[1]
