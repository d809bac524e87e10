"""The job store protocol. Every backend passes the same contract suite (tests/contract)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from ..domain.job import Job, JobState


class StoreError(Exception):
    """The backend failed (not a lost race: that is a value, see `update`)."""


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    # Opaque cursor for the next page; None on the last page.
    next_cursor: str | None


class JobStore(Protocol):
    def insert(self, job: Job) -> Job | None:
        """Store a new job (version 1). If the owner already used its request id, return that
        job instead and store nothing; otherwise return None."""

    def get(self, job_id: str) -> Job | None: ...

    def update(self, job: Job) -> Job | None:
        """Write `job` if the stored version still equals `job.version`; return it with the
        version bumped. A lost race returns None and writes nothing."""

    def list(
        self, *, states: Collection[JobState] = (), page_size: int = 100, cursor: str | None = None
    ) -> JobPage:
        """Jobs newest first. A malformed cursor raises ValueError."""

    def unfinished(self) -> list[Job]:
        """Every job not in a final state, oldest first: what the in-memory indexes are built from."""

    def close(self) -> None: ...
