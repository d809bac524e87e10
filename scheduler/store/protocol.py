"""The store protocol: jobs and tokens. Every backend passes the same contract suite (tests/contract)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from ..domain.audit import AuditEntry
from ..domain.batch import Batch
from ..domain.brief import Brief
from ..domain.identity import TokenRecord
from ..domain.job import Job, JobState
from ..domain.job_log import Level, LogLine, Source


class StoreError(Exception):
    """The backend failed (not a lost race: that is a value, see `update`)."""


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    # Opaque cursor for the next page; None on the last page.
    next_cursor: str | None


LogRow = tuple[float, int, Level, str, Source]  # (time, attempt, level, text, source) of a log line


class NewJob(NamedTuple):
    """What `JobStore.insert` takes."""

    job: Job
    inline: Mapping[str, bytes] | None = None
    log_lines: Sequence[LogRow] = ()


class JobStore(Protocol):
    def insert(self, job: Job, inline: Mapping[str, bytes] | None = None,
               log_lines: Sequence[LogRow] = ()) -> Job | None:
        """Store a new job (version 1) with the content of its inline inputs, by file name, and the
        first lines of its log (numbered from 1), in one write. If the owner already used its request
        id, return that job instead and store nothing; otherwise return None."""

    def insert_all(self, new: Sequence[NewJob]) -> list[Job | None | StoreError]:
        """`insert` each, in order (a later job may repeat an earlier one's request id): what
        `insert` returns for each, or the StoreError it raises. A backend that stores them as one
        write raises instead when it stores none."""

    def inline_inputs(self, job_id: str) -> dict[str, bytes]:
        """The content of the job's inline inputs by file name (empty: none); kept until the job is deleted."""

    def get(self, job_id: str) -> Job | None: ...

    def by_request(self, owner: str, request_id: str) -> Job | None:
        """The job `owner` created with `request_id`, if any."""

    def update(self, job: Job) -> Job | None:
        """Write `job` if the stored version still equals `job.version`; return it with the
        version bumped. A lost race returns None and writes nothing."""

    def list(
        self, *, states: Collection[JobState] = (), page_size: int = 100, cursor: str | None = None,
        owner: str | None = None, team: str | None = None,
    ) -> JobPage:
        """Jobs newest first. With `owner` and/or `team`, only jobs of that owner or of that team
        (either matches). A malformed cursor raises ValueError."""

    def unfinished(self) -> list[Brief]:
        """The brief of every job not in a final state, oldest first: what the in-memory indexes
        are built from at start-up (a backend keeps each unfinished job's brief beside it)."""

    def count_unfinished(self) -> dict[tuple[JobState, str], int]:
        """How many jobs not in a final state there are, by (state, owner)."""

    def finished_before(self, end_time: float, limit: int) -> list[Job]:
        """Up to `limit` jobs in a final state that ended before `end_time`, oldest first."""

    def delete_finished(self, job_id: str) -> bool:
        """Delete the job if it is in a final state; False (nothing deleted) otherwise."""

    def get_setting(self, name: str) -> tuple[dict, int] | None:
        """A named settings document and its version; None before it was first written."""

    def put_setting(self, name: str, doc: dict, version: int) -> bool:
        """Write the document if its stored version is still `version` (0: not written yet);
        False, writing nothing, when someone else wrote it meanwhile."""

    def close(self) -> None: ...


class TokenStore(Protocol):
    """Tokens by the SHA-256 of their secret; the secret itself is never given to a store."""

    def add_token(self, record: TokenRecord) -> bool:
        """Store a new token; False (and nothing written) if its hash or id is already there."""

    def get_token(self, token_hash: str) -> TokenRecord | None: ...

    def find_token(self, token_id: str) -> TokenRecord | None:
        """By the public id (`TokenRecord.token_id`) that listings show and revoking takes."""

    def list_tokens(self, user: str | None = None) -> list[TokenRecord]:
        """Every token (of `user` when given), oldest first."""

    def replace_token(self, record: TokenRecord) -> bool:
        """Overwrite an existing token (revoke, renew); False if there is none with that hash."""


class JobLogs(Protocol):
    """Each job's log lines, numbered 1, 2, ... per job in the order appended; gone with the job."""

    def append_log(self, job_id: str, lines: Sequence[LogRow]) -> int:
        """Append (time, attempt, level, text, source) lines; the number of the last line (0: none yet)."""

    def job_log(self, job_id: str, after: int = 0, limit: int = 1000) -> list[LogLine]:
        """Up to `limit` lines numbered after `after`, in order."""


class BatchStore(Protocol):
    """Batches: a few fields and the ids of their jobs, written with the same conditional updates."""

    def insert_batch(self, batch: Batch) -> Batch | None:
        """Store a new batch (version 1); if its owner already used its request id, return that
        batch instead and store nothing; otherwise None."""

    def get_batch(self, batch_id: str) -> Batch | None: ...

    def update_batch(self, batch: Batch) -> Batch | None:
        """Write `batch` if the stored version is still `batch.version`; it with the version bumped,
        or None (nothing written) on a lost race."""

    def list_batches(self, owner: str | None = None, team: str | None = None, limit: int = 100) -> list[Batch]:
        """Newest first; with `owner` and/or `team`, only batches of that owner or that team."""


class AuditLog(Protocol):
    def append_audit(self, *entries: AuditEntry) -> None:
        """Store the entries, in one write where the backend can."""

    def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        """The newest `limit` entries, newest first."""
