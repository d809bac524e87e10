"""Which failed transfers are worth another try, and the bounded loop that tries again.

Classified once, here: S3 5xx, throttling, timeouts, resets and bytes damaged on the way
(BadDigest) are transient and retried with backoff and jitter; an expired or refused URL is
retried with a fresh one; any other refusal is final.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .http_connections import HTTP_ERRORS
from .presigned_http import PresignedTarget, TransferError
from .retry import backoff

T = TypeVar("T")

# 400s that a resend can fix: the body was damaged or cut on the way.
RESENDABLE_CODES = frozenset({"BadDigest", "InvalidDigest", "IncompleteBody", "RequestTimeout",
                              "XAmzContentSHA256Mismatch"})


def is_transient(error: BaseException) -> bool:
    if isinstance(error, TransferError):
        return error.status >= 500 or error.status in (408, 429) or error.code in RESENDABLE_CODES
    return isinstance(error, HTTP_ERRORS)


def needs_fresh_url(error: BaseException) -> bool:
    """An expired (or otherwise no longer valid) presigned URL: S3 answers 403."""
    return isinstance(error, TransferError) and error.status == 403


class Resignable:
    """A presigned target that is signed again when it expired: `current` to send to, `refresh`
    for RetryPolicy.run. One may be shared by several requests (the ranges of a download)."""

    def __init__(self, sign: Callable[[], PresignedTarget], first: PresignedTarget | None = None) -> None:
        self._sign = sign
        self.current = sign() if first is None else first

    def refresh(self) -> None:
        self.current = self._sign()


@dataclass(frozen=True)
class RetryPolicy:
    """At most `attempts` tries of one request; `sleep` is injected so tests never wait."""

    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 20.0
    sleep: Callable[[float], None] = time.sleep

    def run(self, what: str, send: Callable[[], T], *, refresh: Callable[[], None] | None = None,
            on_retry: Callable[[str], None] | None = None) -> T:
        """`send()` until it succeeds; `refresh()` (new URLs) before a retry after a 403."""
        for attempt in range(self.attempts):
            try:
                return send()
            except Exception as e:
                fresh = refresh is not None and needs_fresh_url(e)
                if attempt + 1 >= self.attempts or not (fresh or is_transient(e)):
                    raise
                wait = 0.0 if fresh else backoff(attempt, base=self.base_s, cap=self.cap_s)
                if on_retry is not None:
                    how = "asking for a fresh URL" if fresh else f"retrying in {wait:.1f} s"
                    on_retry(f"{what}: {describe(e)}; {how} (try {attempt + 2} of {self.attempts})")
                if fresh:
                    refresh()
                else:
                    self.sleep(wait)
        raise AssertionError("unreachable")


def describe(error: BaseException) -> str:
    if isinstance(error, TransferError):
        return f"HTTP {error.status} {error.code}".rstrip()
    return f"{type(error).__name__}: {str(error)[:200]}"


DEFAULT_RETRY = RetryPolicy()
