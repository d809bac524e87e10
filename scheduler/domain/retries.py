"""What becomes of a job whose attempt failed without failing the job for good. Pure.

A model error ends it at once (running it again changes nothing). A license failure is requeued
without using up an attempt (the tokens come back), a bounded number of times. A system failure or
a lost node uses one attempt: the job waits again after an exponential backoff with jitter, or
fails, with its history, once its `max_attempts` (the job's, else the rules') are used.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from abaqueue.retry import backoff

from . import states
from .job import AttemptRecord, ErrorClass, Job, JobState


class Cause(str, enum.Enum):
    MODEL = "model"
    LICENSE = "license"
    SYSTEM = "system"
    NODE_LOST = "node_lost"


CAUSE_OF_CLASS = {ErrorClass.MODEL: Cause.MODEL, ErrorClass.LICENSE: Cause.LICENSE, ErrorClass.SYSTEM: Cause.SYSTEM}


@dataclass(frozen=True)
class RetryRules:
    max_attempts: int = 3
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    # License failures requeue without using an attempt, but not forever (a license server that
    # never has the tokens, or a misconfigured one).
    max_license_requeues: int = 20

    def delay(self, failures: int, rand: random.Random) -> float:
        """The wait before the next attempt after `failures` (1, 2, ...) failed ones: 1 s, 2 s,
        4 s ... up to the cap, jittered over its upper half."""
        return backoff(failures - 1, base=self.backoff_base_s * 2, cap=self.backoff_cap_s, rand=rand)


def after_failure(job: Job, cause: Cause, message: str, now: float, rules: RetryRules,
                  rand: random.Random) -> Job:
    """The active `job` whose current attempt failed with `cause`: WAITING again, or FAILED."""
    record = AttemptRecord(job.attempt, job.node, job.start_time, now, cause.value, message[:500])
    history = (*job.history, record)
    used = job.attempts_used + (0 if cause is Cause.LICENSE else 1)
    requeues = sum(1 for h in history if h.cause == Cause.LICENSE.value)
    if cause is Cause.MODEL:
        return states.transition(job, JobState.FAILED, now, error_class=ErrorClass.MODEL, error_message=message,
                                 history=history, attempts_used=used)
    allowed = job.max_attempts or rules.max_attempts
    if used >= allowed or requeues > rules.max_license_requeues:
        why = (f"{requeues} license failures" if cause is Cause.LICENSE
               else f"{used} of {allowed} attempts used")
        summary = "; ".join(f"attempt {h.attempt} on {h.node or '-'}: {h.cause} ({h.message[:80]})" for h in history)
        error_class = ErrorClass.LICENSE if cause is Cause.LICENSE else ErrorClass.SYSTEM
        return states.transition(job, JobState.FAILED, now, error_class=error_class, history=history,
                                 attempts_used=used, error_message=f"{message} ({why}: {summary})"[:2000])
    wait = rules.delay(used if cause is not Cause.LICENSE else requeues, rand)
    return states.transition(job, JobState.WAITING, now, history=history, attempts_used=used,
                             retry_at=now + wait, error_message=message,
                             queue_time=job.queue_time or now)  # its place in line is kept
