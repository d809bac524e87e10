"""What becomes of a job whose attempt failed: requeued with backoff, or failed with its history."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain import states
from scheduler.domain.job import ErrorClass, FileSpec, Job, JobState
from scheduler.domain.retries import Cause, RetryRules, after_failure

RULES = RetryRules(max_attempts=3, backoff_base_s=1.0, backoff_cap_s=60.0, max_license_requeues=2)


def running(job: Job | None = None, node: str = "n1", now: float = 100.0) -> Job:
    job = job or Job("j1", "beam", "ana", 2, "beam.inp", (FileSpec("beam.inp", 1, "a" * 64),), 0.0,
                     state=JobState.WAITING, queue_time=10.0)
    return states.transition(states.assign(job, node, now), JobState.RUNNING, now)


def test_a_lost_node_requeues_with_a_growing_backoff_until_the_attempts_are_used():
    rand = random.Random(7)
    job, waits, now = running(), [], 100.0
    for n in (1, 2):
        job = after_failure(job, Cause.NODE_LOST, "node n1 lost", now, RULES, rand)
        assert job.state is JobState.WAITING and job.attempts_used == n and job.node == ""
        assert job.queue_time == 10.0  # keeps its place in line
        waits.append(job.retry_at - now)
        job = running(job, node=f"n{n + 1}", now=now)
    assert 1.0 <= waits[0] <= 2.0 and 2.0 <= waits[1] <= 4.0
    failed = after_failure(job, Cause.NODE_LOST, "node n3 lost", now, RULES, rand)
    assert failed.state is JobState.FAILED and failed.error_class is ErrorClass.SYSTEM
    assert [(h.attempt, h.node, h.cause) for h in failed.history] == [(1, "n1", "node_lost"), (2, "n2", "node_lost"),
                                                                      (3, "n3", "node_lost")]
    assert "3 of 3 attempts used" in failed.error_message and "attempt 1 on n1: node_lost" in failed.error_message


def test_a_model_error_fails_at_once():
    failed = after_failure(running(), Cause.MODEL, "TOO MANY ATTEMPTS MADE FOR THIS INCREMENT", 100.0, RULES,
                           random.Random(1))
    assert failed.state is JobState.FAILED and failed.error_class is ErrorClass.MODEL
    assert failed.error_message == "TOO MANY ATTEMPTS MADE FOR THIS INCREMENT"


def test_license_failures_use_no_attempt_but_are_bounded():
    job, rand = running(), random.Random(3)
    for _ in range(2):
        job = after_failure(job, Cause.LICENSE, "Error checking out Abaqus license", 100.0, RULES, rand)
        assert job.state is JobState.WAITING and job.attempts_used == 0
        job = running(job)
    failed = after_failure(job, Cause.LICENSE, "Error checking out Abaqus license", 100.0, RULES, rand)
    assert failed.state is JobState.FAILED and failed.error_class is ErrorClass.LICENSE
    assert "3 license failures" in failed.error_message


@given(st.integers(1, 60), st.integers(0, 2**32))
def test_the_backoff_is_bounded_and_never_zero(failures, seed):
    wait = RULES.delay(failures, random.Random(seed))
    assert 0.5 <= wait <= RULES.backoff_cap_s
    assert wait >= min(RULES.backoff_cap_s, 2.0 ** failures) / 2


@pytest.mark.parametrize("cause", list(Cause))
def test_every_cause_records_the_attempt_in_the_history(cause):
    job = after_failure(running(), cause, "why", 105.0, RULES, random.Random(0))
    assert [(h.attempt, h.node, h.start_time, h.end_time, h.cause, h.message) for h in job.history] == [
        (1, "n1", 100.0, 105.0, cause.value, "why")]
