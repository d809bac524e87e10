"""A batch: many jobs submitted as one (a parameter study), at most `parallelism` of them running
at once, and its progress counted in stages. Pure.

Each job has three stages: its inputs moved to a node (it is RUNNING), its solver ended (its results
began to move), its results collected (it ended). A job that ends, however it ends, has done all
three; so the progress moves long before the first job ends, and always reaches the end.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from statistics import fmean

from .job import Job, JobState

STAGES = 3
MAX_PARALLELISM = 1000
MAX_JOBS = 10_000


@dataclass(frozen=True)
class Batch:
    id: str
    name: str
    owner: str
    team: str
    parallelism: int
    expected_jobs: int  # how many jobs its submitter said would come
    create_time: float
    request_id: str = ""
    job_ids: tuple[str, ...] = ()
    cancelled: bool = False
    version: int = 0

    def evolve(self, **changes: object) -> Batch:
        return replace(self, **changes)


@dataclass(frozen=True)
class Running:
    job_id: str
    name: str
    node: str
    stage: int  # the stage it is in: 1 inputs moving, 2 solving, 3 results moving
    stage_start: float | None


@dataclass(frozen=True)
class Progress:
    total_jobs: int
    total_stages: int
    completed_stages: int
    completed: int
    failed: int  # ended in any state but COMPLETED and CANCELLED
    cancelled: int
    waiting: int  # not started, including the jobs still to be added
    running: tuple[Running, ...]
    estimated_finish: float | None  # None until a stage of each kind was seen, or when all ended
    removed: int = 0  # jobs deleted by the clean-up (they had ended)

    @property
    def finished(self) -> bool:
        return self.completed + self.failed + self.cancelled + self.removed >= self.total_jobs


def stages_done(job: Job) -> int:
    if job.state.is_final:
        return STAGES
    if job.collect_time is not None:
        return 2
    return 1 if job.state is JobState.RUNNING else 0


def total_jobs(batch: Batch) -> int:
    """The jobs its submitter said would come, or those that did once it was cancelled (no more come)."""
    return len(batch.job_ids) if batch.cancelled else max(batch.expected_jobs, len(batch.job_ids))


def progress(batch: Batch, jobs: list[Job], now: float) -> Progress:
    """Where the batch stands, from those of its jobs that are still stored, as they are now."""
    total = total_jobs(batch)
    removed = len(batch.job_ids) - len(jobs)
    running = tuple(_running(j) for j in jobs if j.state.is_active)
    done = sum(stages_done(j) for j in jobs) + STAGES * removed
    ended = [j for j in jobs if j.state.is_final]
    completed = sum(j.state is JobState.COMPLETED for j in ended)
    cancelled = sum(j.state is JobState.CANCELLED for j in ended)
    waiting = sum(not j.state.is_final and not j.state.is_active for j in jobs) + (total - len(batch.job_ids))
    return Progress(total, total * STAGES, done, completed, len(ended) - completed - cancelled, cancelled, waiting,
                    running, _finish(batch, jobs, total, now), removed)


def _running(job: Job) -> Running:
    if job.collect_time is not None:
        return Running(job.id, job.name, job.node, 3, job.collect_time)
    if job.state is JobState.RUNNING:
        return Running(job.id, job.name, job.node, 2, job.solve_time)
    return Running(job.id, job.name, job.node, 1, job.start_time)


def stage_times(jobs: list[Job]) -> list[list[float]]:
    """The durations seen of each stage, from the jobs that went through it."""
    seen: list[list[float]] = [[], [], []]
    for j in jobs:
        marks = [j.start_time, j.solve_time, j.collect_time, j.end_time if j.state.is_final else None]
        for i in range(STAGES):
            if marks[i] is not None and marks[i + 1] is not None and marks[i + 1] >= marks[i]:
                seen[i].append(marks[i + 1] - marks[i])
    return seen


def _finish(batch: Batch, jobs: list[Job], total: int, now: float) -> float | None:
    """Now plus the work left (the mean time of each stage still ahead of each unfinished job, less
    what the running ones spent in theirs) shared by the jobs that may run at once."""
    means = [fmean(t) if t else None for t in stage_times(jobs)]
    if None in means or batch.cancelled:
        return None
    left = 0.0
    unfinished = [j for j in jobs if not j.state.is_final]
    for j in unfinished:
        stage = _running(j) if j.state.is_active else None
        first = stage.stage - 1 if stage else 0
        left += sum(means[first:])
        if stage and stage.stage_start is not None:
            left -= min(now - stage.stage_start, means[first])
    not_created = total - len(batch.job_ids)
    left += not_created * sum(means)
    pending = len(unfinished) + not_created
    if not pending:
        return None
    return now + left / min(batch.parallelism, pending)
