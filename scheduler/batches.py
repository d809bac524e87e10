"""What people can do with batches: create one, add jobs to it (through CreateJob), look at its
progress, cancel it. Its parallelism is enforced by the policy, from the jobs themselves."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from .domain import identity, validation
from .domain.batch import MAX_JOBS, MAX_PARALLELISM, Batch, Progress, progress
from .domain.errors import (
    FailedPrecondition,
    IllegalTransition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from .domain.identity import Principal
from .domain.job import Job
from .jobs import JobBook
from .races import change_stored

MAX_LISTED = 1000


class BatchApp:
    def __init__(self, book: JobBook, cancel_job: Callable[[Principal, str], Job]) -> None:
        self.book = book
        self.store = book.store
        self.cancel_job = cancel_job

    def create(self, who: Principal, request_id: str, name: str, parallelism: int, expected_jobs: int) -> Batch:
        validation.request_id(request_id)
        validation.job_name(name)
        if not 1 <= parallelism <= MAX_PARALLELISM:
            raise InvalidArgument("parallelism", f"{parallelism} is out of range 1..{MAX_PARALLELISM}")
        if not 1 <= expected_jobs <= MAX_JOBS:
            raise InvalidArgument("expected_jobs", f"{expected_jobs} is out of range 1..{MAX_JOBS}")
        batch = Batch(uuid.uuid4().hex, name, who.user, who.team, parallelism, expected_jobs, self.book.clock(),
                      request_id)
        earlier = self.store.insert_batch(batch)
        return earlier if earlier is not None else batch.evolve(version=1)

    def get(self, who: Principal, batch_id: str) -> Batch:
        if not batch_id:
            raise InvalidArgument("batch_id", "is required")
        batch = self.store.get_batch(batch_id)
        if batch is None or not identity.may_see(who, batch.owner, batch.team):
            raise NotFound(f"batch {batch_id!r} not found")
        return batch

    def joinable(self, who: Principal, batch_id: str) -> Batch:
        """The batch a new job of `who` may join: theirs, not cancelled, not full."""
        batch = self.get(who, batch_id)
        if batch.owner != who.user:
            raise PermissionDenied(f"batch_id: batch {batch_id} is {batch.owner}'s; only they add jobs to it")
        if batch.cancelled:
            raise FailedPrecondition(f"batch_id: batch {batch_id} was cancelled")
        if len(batch.job_ids) >= MAX_JOBS:
            raise FailedPrecondition(f"batch_id: batch {batch_id} has {MAX_JOBS} jobs, the most a batch may have")
        return batch

    def joined(self, batch_id: str, job_id: str) -> Batch:
        """Record a new job of the batch (a retried CreateJob's job is there already)."""
        return self._change(batch_id, lambda b: b if job_id in b.job_ids else b.evolve(job_ids=(*b.job_ids, job_id)))

    def _change(self, batch_id: str, change: Callable[[Batch], Batch]) -> Batch:
        def read() -> Batch:
            batch = self.store.get_batch(batch_id)
            if batch is None:
                raise NotFound(f"batch {batch_id!r} not found")
            return batch

        return change_stored(read, change, self.store.update_batch, f"batch {batch_id}")[1]

    def jobs(self, batch: Batch) -> list[Job]:
        return [j for j in (self.store.get(i) for i in batch.job_ids) if j is not None]

    def progress(self, batch: Batch) -> Progress:
        return progress(batch, self.jobs(batch), self.book.clock())

    def list(self, who: Principal, page_size: int) -> list[Batch]:
        if not 0 <= page_size <= MAX_LISTED:
            raise InvalidArgument("page_size", f"{page_size} is out of range 0..{MAX_LISTED}")
        return self.store.list_batches(*identity.visible_scope(who), page_size or 100)

    def cancel(self, who: Principal, batch_id: str) -> Batch:
        """Mark the batch cancelled (no job joins it any more), then cancel each unfinished job."""
        batch = self.get(who, batch_id)
        if not identity.may_cancel(who, batch.owner):
            raise PermissionDenied(f"only {batch.owner} or an admin may cancel batch {batch_id}")
        batch = self._change(batch_id, lambda b: b.evolve(cancelled=True))
        for job in self.jobs(batch):
            if not job.state.is_final:
                try:
                    self.cancel_job(who, job.id)
                except IllegalTransition:
                    pass  # it ended meanwhile
        return batch
