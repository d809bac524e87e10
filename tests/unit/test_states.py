from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain import states
from scheduler.domain.errors import IllegalTransition
from scheduler.domain.job import FINAL_STATES, STATES_KEPT, FileSpec, Job, JobState, StateChange


def job(state: JobState, attempt: int = 0) -> Job:
    return Job(id="j1", name="m", owner="o", cpus=1, input_file="m.inp",
               input_files=(FileSpec("m.inp", 1, "0" * 64),), create_time=0.0, state=state, attempt=attempt)


@given(st.sampled_from(list(JobState)), st.sampled_from(list(JobState)))
def test_transition_follows_the_table_exactly(source, target):
    if target in states.ALLOWED[source]:
        moved = states.transition(job(source), target, 5.0)
        assert moved.state is target
        if target.is_final:
            assert moved.end_time == 5.0
    else:
        with pytest.raises(IllegalTransition):
            states.transition(job(source), target, 5.0)


def test_final_states_lead_nowhere():
    assert all(not states.ALLOWED[s] for s in FINAL_STATES)


def test_assign_starts_a_new_attempt_on_the_node():
    started = states.assign(job(JobState.WAITING, attempt=2), "node-a", 7.0)
    assert (started.state, started.attempt, started.node, started.start_time) == (
        JobState.STARTING, 3, "node-a", 7.0)


def test_cancel_ends_a_queued_job_but_only_flags_a_running_one():
    assert states.cancel(job(JobState.WAITING), 1.0).state is JobState.CANCELLED
    running = states.cancel(job(JobState.RUNNING, attempt=1), 1.0)
    assert running.state is JobState.RUNNING and running.cancel_requested
    with pytest.raises(IllegalTransition):
        states.cancel(job(JobState.COMPLETED), 1.0)


def test_every_move_is_noted_in_the_state_history_with_its_attempt_and_node():
    created = job(JobState.BLOCKED).evolve(states=(StateChange(JobState.BLOCKED, 0.0, 0),))
    queued = states.transition(created, JobState.WAITING, 1.0)
    started = states.assign(queued, "node-a", 2.0)
    running = states.transition(started, JobState.RUNNING, 3.0)
    requeued = states.transition(running, JobState.WAITING, 4.0)
    ended = states.transition(states.assign(requeued, "node-b", 5.0), JobState.FAILED, 6.0)
    assert ended.states == (
        StateChange(JobState.BLOCKED, 0.0, 0), StateChange(JobState.WAITING, 1.0, 0),
        StateChange(JobState.STARTING, 2.0, 1, "node-a"), StateChange(JobState.RUNNING, 3.0, 1, "node-a"),
        StateChange(JobState.WAITING, 4.0, 1), StateChange(JobState.STARTING, 5.0, 2, "node-b"),
        StateChange(JobState.FAILED, 6.0, 2, "node-b"))


def test_a_job_requeued_without_end_keeps_its_first_move_and_its_latest_ones():
    j = job(JobState.BLOCKED).evolve(states=(StateChange(JobState.BLOCKED, 0.0, 0),))
    j = states.transition(j, JobState.WAITING, 0.0)
    for t in range(1, 200):
        j = states.transition(states.assign(j, "node-a", float(t)), JobState.WAITING, t + 0.5)
    assert len(j.states) == STATES_KEPT
    assert j.states[0] == StateChange(JobState.BLOCKED, 0.0, 0)
    assert j.states[-1] == StateChange(JobState.WAITING, 199.5, 199)
    assert [c.time for c in j.states[1:]] == sorted(c.time for c in j.states[1:])
    assert j.states[1].time == 199.5 - (STATES_KEPT - 2) / 2
