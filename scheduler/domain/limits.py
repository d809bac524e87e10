"""Per-role limits and the submission rate limit. Pure: the clock is passed in."""

from __future__ import annotations

import dataclasses
import functools
import sys
from dataclasses import dataclass, field
from enum import Enum

from .identity import Role

GiB = 1024**3
MiB = 1024**2
# The original scheduler's default for SCHEDULER_MAX_QUEUE_BYTES.
MAX_QUEUE_BYTES = 100 * MiB
# What a queued job costs beyond its fields: the queue entry and the objects holding them.
QUEUE_ENTRY_BYTES = 512


@dataclass(frozen=True)
class RoleLimits:
    """Largest job (all its input files, as uploaded) per role. The original scheduler's defaults
    (10 MB; 1 MB for guests) are far below real Abaqus models, whose meshes alone often take
    hundreds of MB, so these defaults are generous; the environment variables keep the original names."""

    max_job_bytes: dict[Role, int] = field(default_factory=lambda: {
        Role.ADMIN: 50 * GiB, Role.LEAD: 20 * GiB, Role.DEVELOPER: 20 * GiB, Role.GUEST: 1 * GiB,
    })

    # Jobs one person may have started (STARTING or RUNNING) at once; more wait their turn.
    # The original scheduler's defaults.
    max_concurrent_jobs: dict[Role, int] = field(default_factory=lambda: {
        Role.ADMIN: 1000, Role.LEAD: 20, Role.DEVELOPER: 10, Role.GUEST: 5,
    })

    def job_bytes(self, role: Role) -> int:
        return self.max_job_bytes.get(role, 0)

    def job_bytes_of(self, role_value: str) -> int:
        """`job_bytes` for a role given by its value (as jobs store it); 0 for anything unknown."""
        try:
            return self.job_bytes(Role(role_value))
        except ValueError:
            return 0

    def concurrent_jobs(self, role_value: str) -> int:
        """The limit for a role given by its value (as jobs store it); 0 for anything unknown."""
        try:
            return self.max_concurrent_jobs.get(Role(role_value), 0)
        except ValueError:
            return 0


@dataclass
class TokenBucket:
    """`rate` tokens per second, up to `burst` saved; one taken per call."""

    rate: float
    burst: float
    level: float = -1.0  # full on first use
    last: float = 0.0

    def take(self, now: float) -> float:
        """0 if the call may go ahead (and one token is taken), else the seconds until it may."""
        if self.level < 0:
            self.level, self.last = self.burst, now
        self.level = min(self.burst, self.level + (now - self.last) * self.rate)
        self.last = now
        if self.level >= 1 - 1e-9:  # waiting exactly the advised time must be enough despite rounding
            self.level = max(0.0, self.level - 1)
            return 0.0
        return (1 - self.level) / self.rate


class RateLimiter:
    """One bucket per key (the user), created on first use."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst)
        return bucket.take(now)


def footprint(value: object) -> int:
    """Roughly the memory `value` holds: text by its UTF-8 length, numbers and flags at 8 bytes,
    containers and dataclasses (a Job) as the sum of what they hold. Generic on purpose, so that a
    field added to Job later counts without anyone remembering to count it. (Exact types first: it
    runs for every job a restart puts back in the queue.)"""
    kind = type(value)
    if kind is str:
        return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
    if value is None or kind in _SCALARS:
        return 8
    if kind in _SEQUENCES:
        return sum(map(footprint, value))
    names = field_names(kind)
    if names is not None:
        total = 0
        for name in names:
            total += footprint(getattr(value, name))
        return total
    if kind is dict:
        return sum(footprint(k) + footprint(v) for k, v in value.items())
    if isinstance(value, Enum):
        return 8
    if isinstance(value, (tuple, list, set, frozenset)):
        return sum(map(footprint, value))
    return sys.getsizeof(value)  # anything else: what Python says the object itself takes


_SCALARS = frozenset({bool, int, float})
_SEQUENCES = frozenset({tuple, list, set, frozenset})


@functools.cache
def field_names(kind: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type, in order; None for any other type."""
    return tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None


def queued_bytes(job: object) -> int:
    """What keeping `job` in the queue costs the scheduler's memory, for SCHEDULER_MAX_QUEUE_BYTES."""
    return QUEUE_ENTRY_BYTES + footprint(job)
