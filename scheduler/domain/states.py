"""The job state machine: which moves exist, and the one function that makes them."""

from __future__ import annotations

from .errors import IllegalTransition
from .job import STATES_KEPT, Job, JobState, StateChange

_S = JobState
ALLOWED: dict[JobState, frozenset[JobState]] = {
    _S.BLOCKED: frozenset({_S.WAITING, _S.CANCELLED}),
    _S.WAITING: frozenset({_S.STARTING, _S.BLOCKED, _S.CANCELLED}),
    # Back to WAITING only by a retry, which bumps the attempt (see `requeue`).
    _S.STARTING: frozenset({_S.RUNNING, _S.WAITING, _S.FAILED, _S.MISSING, _S.COMPLETED, _S.CANCELLED, _S.TIMEOUT}),
    _S.RUNNING: frozenset({_S.WAITING, _S.COMPLETED, _S.FAILED, _S.MISSING, _S.CANCELLED, _S.TIMEOUT}),
    _S.COMPLETED: frozenset(),
    _S.FAILED: frozenset(),
    _S.MISSING: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.TIMEOUT: frozenset(),
}
# The states a job may be in when it is written in state `to` (its own, for a change within a
# state): what a store's conditional write checks besides the version.
SOURCES: dict[JobState, frozenset[JobState]] = {
    to: frozenset({to} | {s for s, targets in ALLOWED.items() if to in targets}) for to in JobState
}


def transition(job: Job, to: JobState, now: float, **changes: object) -> Job:
    """Move `job` to state `to`, stamping the times that move implies, and note it in its history."""
    if to not in ALLOWED[job.state]:
        raise IllegalTransition(f"job {job.id} is {job.state.value}; it cannot become {to.value}")
    stamps: dict[str, object] = {}
    if to is JobState.WAITING:
        stamps = {"queue_time": now, "node": "", "reasons": (), "solve_time": None, "collect_time": None}
    elif to is JobState.STARTING:
        stamps = {"start_time": now, "reasons": (), "solve_time": None, "collect_time": None}
    elif to is JobState.RUNNING:
        stamps = {"solve_time": now}
    elif to.is_final:
        stamps = {"end_time": now, "reasons": ()}
    changes = {**stamps, **changes}
    moved = StateChange(to, now, changes.get("attempt", job.attempt), changes.get("node", job.node))
    return job.evolve(state=to, states=noted(job.states, moved), **changes)


def noted(history: tuple[StateChange, ...], change: StateChange) -> tuple[StateChange, ...]:
    """`history` with `change` added: its first change and the latest STATES_KEPT - 1."""
    if len(history) < STATES_KEPT:
        return (*history, change)
    return (history[0], *history[len(history) - STATES_KEPT + 2:], change)


def assign(job: Job, node: str, now: float) -> Job:
    """WAITING → STARTING on `node`: a new attempt, whose number fences every later agent call."""
    return transition(job, JobState.STARTING, now, node=node, attempt=job.attempt + 1, progress=job.progress)


def cancel(job: Job, now: float) -> Job:
    """Cancel at once when nothing runs; otherwise ask the node to stop and wait for it to say so."""
    if job.state.is_final:
        raise IllegalTransition(f"job {job.id} has already ended ({job.state.value})")
    if job.state.is_active:
        return job.evolve(cancel_requested=True)
    return transition(job, JobState.CANCELLED, now, error_message="cancelled before it started")
