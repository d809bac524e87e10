"""A batch's parallelism in the policy, and its stage progress and estimated finish. Pure."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain.batch import Batch, progress
from scheduler.domain.job import FileSpec, Job, JobState
from scheduler.domain.policy import Code, NodeView, Policy
from scheduler.domain.queue_settings import QueueSettings
from scheduler.domain.waiting import Entry

ROOMY = QueueSettings(max_concurrent=100, user_max_concurrent=100)


def entry(i: int, batch: str = "b1", parallelism: int = 3) -> Entry:
    return Entry(f"j{i:02d}", "ana", "developer", "", 10, float(i), 1, 0, batch=batch, batch_parallelism=parallelism)


@settings(max_examples=100, deadline=None)
@given(parallelism=st.integers(1, 6), jobs=st.integers(1, 20), ends=st.lists(st.integers(0, 100), max_size=40))
def test_the_policy_never_starts_more_of_a_batch_than_its_parallelism(parallelism, jobs, ends):
    policy = Policy(ROOMY, lambda role: 100)
    for i in range(jobs):
        policy.add(entry(i, parallelism=parallelism))
    policy.add(Entry("other", "ana", "developer", "", 10, 0.5, 1, 0))  # not in the batch: not bounded by it
    node = NodeView("n1", 64, 64)
    running: list[Entry] = []
    for end in [*ends, *range(jobs + 1)]:
        while (chosen := policy.decide(node, [node], 100.0)) is not None:
            policy.discard(chosen.job_id)
            policy.started(chosen.owner, chosen.team, chosen.tokens, chosen.batch)
            running.append(chosen)
            assert sum(e.batch == "b1" for e in running) <= parallelism
        batch_running = [e for e in running if e.batch == "b1"]
        waiting = [policy.waiting.get(f"j{i:02d}") for i in range(jobs)]
        waiting = [w for w in waiting if w is not None]
        if waiting:
            assert len(batch_running) == parallelism  # the bound, and nothing else, holds them
            codes = {r.code for r in policy.reasons(waiting[0], [node], 100.0)}
            assert Code.BATCH_PARALLELISM in codes
        if running:
            done = running.pop(end % len(running))
            policy.ended(done.owner, done.team, done.tokens, done.batch)
    assert not running or all(policy.waiting.get(f"j{i:02d}") is None for i in range(jobs))


def job(i: int, state: JobState, start=None, solve=None, collect=None, end=None) -> Job:
    return Job(id=f"j{i}", name=f"m{i}", owner="ana", cpus=1, input_file="m.inp",
               input_files=(FileSpec("m.inp", 1, "0" * 64),), create_time=0.0, state=state, start_time=start,
               solve_time=solve, collect_time=collect, end_time=end, node="n1" if start else "")


def test_stages_count_before_any_job_ends_and_the_finish_is_estimated_from_stage_times():
    batch = Batch("b", "study", "ana", "", parallelism=2, expected_jobs=4, create_time=0.0, job_ids=("j1", "j2", "j3"))
    jobs = [job(1, JobState.RUNNING, start=0, solve=10), job(2, JobState.STARTING, start=5),
            job(3, JobState.WAITING)]
    p = progress(batch, jobs, now=20.0)
    assert (p.total_jobs, p.total_stages, p.completed_stages, p.completed) == (4, 12, 1, 0)
    assert [(r.job_id, r.stage) for r in p.running] == [("j1", 2), ("j2", 1)]
    assert p.waiting == 2 and p.estimated_finish is None  # no solve or collect time seen yet
    jobs = [job(1, JobState.COMPLETED, start=0, solve=10, collect=40, end=50), job(2, JobState.RUNNING, start=5,
            solve=15, collect=None), job(3, JobState.FAILED, start=50, end=51)]
    p = progress(batch, jobs, now=60.0)
    assert (p.completed_stages, p.completed, p.failed, p.waiting) == (7, 1, 1, 1)
    # means: inputs 10, solving 30, results 10; j2 has solved for 45 s, past the mean: its results'
    # 10 s are left; the job still to come 50: 60 s of work shared by 2 at once
    assert p.estimated_finish == 60.0 + (10 + 50) / 2


def test_a_restart_counts_each_batchs_started_jobs_again_from_the_briefs():
    from scheduler.dispatch import JobQueue
    from scheduler.domain.brief import Brief
    from scheduler.domain.limits import RoleLimits
    from scheduler.nodes import NodeRegistry

    def batch_job(i: int, state: JobState) -> Job:
        return job(i, state, start=1.0 if state.is_active else None).evolve(
            batch_id="b1", batch_parallelism=2, queue_time=float(i))

    queue = JobQueue(ROOMY, RoleLimits(), NodeRegistry(60.0), clock=lambda: 100.0)
    queue.restore([Brief.of(batch_job(1, JobState.RUNNING)), Brief.of(batch_job(2, JobState.STARTING)),
                   Brief.of(batch_job(3, JobState.WAITING))])
    assert queue.policy.usage.by_batch["b1"] == 2
    waiting = queue.policy.waiting.get("j3")
    assert not queue.policy.eligible(waiting.account)  # the bound holds across the restart
    assert Code.BATCH_PARALLELISM in {r.code for r in queue.policy.reasons(waiting, [], 100.0)}
