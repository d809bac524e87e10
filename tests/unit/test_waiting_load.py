"""A start-up's bulk load builds the very index that adding the same jobs one by one builds, and
the index keeps working after it (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain.waiting import Entry, WaitingJobs

ACCOUNTS = [("ana", "developer", "crash", "", 0), ("ben", "developer", "crash", "", 0), ("gus", "guest", "", "", 0),
            ("lea", "lead", "nvh", "", 0), ("ana", "developer", "crash", "study-1", 2)]

entries = st.lists(st.builds(
    lambda i, account, priority, t, cpus, tokens, labels: Entry(
        f"j{i}", *account[:3], priority, float(t), cpus, tokens, labels, *account[3:]),
    st.integers(0, 10_000), st.sampled_from(ACCOUNTS), st.sampled_from([0, 10, 20, 30]), st.integers(0, 50),
    st.sampled_from([1, 2, 4, 16]), st.sampled_from([0, 5, 8]), st.sampled_from([(), (("site", "a*"),)]),
), max_size=60, unique_by=lambda e: e.job_id)


def snapshot(w: WaitingJobs) -> dict:
    """Everything the index holds, in plain values."""
    return {
        "levels": {(base, shape): ({a: list(f.items()) for a, f in q.fifos.items()}, list(q.ready))
                   for base, shapes in w._levels.items() for shape, q in shapes.items()},
        "order": {(base, cpus): list(heads) for base, by_cpus in w._order.items() for cpus, heads in by_cpus.items()},
        "keys": {base: list(keys) for base, keys in w._keys.items()},
        "entries": dict(w._entries), "places": dict(w._places), "parked": set(w._parked),
    }


@settings(max_examples=200, deadline=None)
@given(entries, st.dictionaries(st.sampled_from(ACCOUNTS), st.booleans()))
def test_a_bulk_load_equals_adding_one_by_one(jobs, eligible):
    eligibility = {account: eligible.get(account, True) for account in ACCOUNTS}
    one_by_one, loaded = WaitingJobs(), WaitingJobs()
    for e in jobs:
        one_by_one.add(e, eligibility[e.account])
    loaded.load(jobs, eligibility)
    assert snapshot(loaded) == snapshot(one_by_one)
    everything = lambda shape: True  # noqa: E731
    for e in jobs[: len(jobs) // 2]:  # and it goes on working the same
        assert one_by_one.discard(e.job_id) == loaded.discard(e.job_id)
        assert one_by_one.best(everything, lambda x: x.priority) == loaded.best(everything, lambda x: x.priority)
    for account in ACCOUNTS:
        one_by_one.set_eligible(account, True)
        loaded.set_eligible(account, True)
    assert snapshot(loaded) == snapshot(one_by_one)


def test_a_restored_queue_counts_the_running_jobs_and_their_waits():
    from scheduler.dispatch import JobQueue
    from scheduler.domain.brief import Brief
    from scheduler.domain.job import FileSpec, Job, JobState
    from scheduler.domain.limits import RoleLimits
    from scheduler.domain.queue_settings import QueueSettings
    from scheduler.nodes import NodeRegistry

    def job(i: int, state: JobState, **kw) -> Job:
        return Job(id=f"j{i}", name="m", owner="ana", cpus=2, input_file="m.inp",
                   input_files=(FileSpec("m.inp", 1, "a" * 64),), create_time=100.0 + i, license_tokens=5,
                   queue_time=100.0 + i, state=state, **kw)

    queue = JobQueue(QueueSettings(), RoleLimits(), NodeRegistry(15), clock=lambda: 1000.0)
    queue.restore([Brief.of(job(1, JobState.RUNNING, node="n1", attempt=1, start_time=130.0)),
                   Brief.of(job(2, JobState.WAITING)), Brief.of(job(3, JobState.WAITING, retry_at=2000.0))])
    assert list(queue.waits) == [29.0] and queue.policy.usage.tokens == 5
    assert "j2" in queue and "j3" in queue and len(queue) == 2
    assert queue.wait_info("j3", 1000.0).reasons[0].code.value == "retry_backoff"
