"""Which failed calls are worth retrying, and how long to wait before the next try."""

from __future__ import annotations

import random

import grpc

# A retry cannot fix these: the request itself is wrong or not allowed.
NEVER_RETRIED = frozenset({
    grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.UNIMPLEMENTED,
})
# Worth another try after a pause: the service or the network is having a moment.
TRANSIENT = frozenset({
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED,
})


def backoff(attempt: int, *, base: float = 0.5, cap: float = 30.0, rand: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempt` (0-based): exponential, capped, full jitter
    over the upper half so waits never collapse to zero."""
    ceiling = min(cap, base * (2 ** min(attempt, 30)))
    return ceiling / 2 + (rand or random).random() * ceiling / 2
