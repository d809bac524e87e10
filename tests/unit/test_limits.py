"""The submission rate limit and role limits."""

from __future__ import annotations

import sys

from hypothesis import given
from hypothesis import strategies as st

from scheduler.dispatch import JobQueue
from scheduler.domain.identity import Role
from scheduler.domain.job import FileSpec, Job
from scheduler.domain.limits import (
    QUEUE_ENTRY_BYTES,
    RateLimiter,
    RoleLimits,
    TokenBucket,
    footprint,
    queued_bytes,
)
from scheduler.domain.queue_settings import QueueSettings
from scheduler.nodes import NodeRegistry


def test_a_full_bucket_allows_a_burst_then_paces_at_the_rate():
    bucket = TokenBucket(rate=10, burst=3)
    assert [bucket.take(100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = bucket.take(100.0)
    assert abs(wait - 0.1) < 1e-9
    assert bucket.take(100.0 + wait) == 0.0
    assert bucket.take(200.0) == 0.0  # refilled, never above the burst
    assert bucket.level <= 3


def test_users_have_their_own_buckets():
    limiter = RateLimiter(rate=1, burst=1)
    assert limiter.take("ana", 0.0) == 0.0
    assert limiter.take("ana", 0.0) > 0
    assert limiter.take("ben", 0.0) == 0.0


@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=200),
       st.floats(min_value=0.5, max_value=100), st.integers(min_value=1, max_value=20))
def test_no_window_lets_through_more_than_burst_plus_rate_times_its_length(gaps, rate, burst):
    bucket = TokenBucket(rate=rate, burst=burst)
    now, allowed = 0.0, []
    for gap in gaps:
        now += gap
        if bucket.take(now) == 0.0:
            allowed.append(now)
    for i, start in enumerate(allowed):
        for j in range(i, len(allowed)):
            assert j - i + 1 <= burst + rate * (allowed[j] - start) + 1e-6


def test_role_limits_are_generous_for_real_models_and_strictest_for_guests():
    limits = RoleLimits()
    assert limits.job_bytes(Role.GUEST) < limits.job_bytes(Role.DEVELOPER) <= limits.job_bytes(Role.ADMIN)
    assert limits.job_bytes(Role.DEVELOPER) >= 1024**3
    assert limits.job_bytes(Role.NODE) == 0  # nodes submit nothing



def _job(**changes) -> Job:
    job = Job(id="a" * 32, name="m", owner="ana", cpus=1, input_file="m.inp",
              input_files=(FileSpec("m.inp", 9, "f" * 64),), create_time=1.0)
    return job.evolve(**changes)


def test_a_queued_job_costs_its_fields_plus_a_fixed_entry():
    small = queued_bytes(_job())
    assert small > QUEUE_ENTRY_BYTES
    many_files = _job(input_files=tuple(FileSpec(f"part{i}.inp", 1, "f" * 64) for i in range(100)))
    assert queued_bytes(many_files) - small >= 99 * (64 + len("part0.inp"))
    assert queued_bytes(_job(name="x" * 100)) - small == 99
    assert footprint("ü") == 2 and footprint({"k": (1, None)}) == 17


def test_footprint_measures_what_it_does_not_know_by_its_size_in_python():
    assert footprint(object()) == sys.getsizeof(object())


def test_the_queue_counts_the_bytes_of_what_waits():
    queue = JobQueue(QueueSettings(), RoleLimits(), NodeRegistry())
    a, b = _job(id="a" * 32), _job(id="b" * 32, name="x" * 500)
    queue.add(a)
    queue.add(b)
    queue.add(a)  # the same job again counts once
    assert queue.bytes == queued_bytes(a) + queued_bytes(b)
    queue.discard(a.id)
    queue.discard(a.id)
    assert queue.bytes == queued_bytes(b) and len(queue) == 1
