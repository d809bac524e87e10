"""What happened to a job, as the event streams tell it, and the cursors that resume them. Pure."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields

from .errors import InvalidArgument
from .job import Job
from .job_log import LogLine


class Kind(str, enum.Enum):
    JOB = "job"  # the job changed: state, node, attempt, error, priority, reasons...
    PROGRESS = "progress"  # only its progress changed
    WARNING = "warning"  # the run's progress warning became a new text
    LOG = "log"  # a line of its log


@dataclass(frozen=True)
class JobEvent:
    seq: int  # the journal's number; events made while catching up from the store share the head's
    time: float
    job: Job  # the job as of the event: whose it is, its version
    kind: Kind
    line: LogLine | None = None  # LOG
    warning: str = ""  # WARNING
    resync: bool = False  # restates the job in place of changes no longer held


def changes(before: Job | None, after: Job) -> list[tuple[Kind, str]]:
    """The events one stored write makes: a JOB event when anything but the progress changed,
    else a PROGRESS event when the progress did; a WARNING event when the warning became a new
    text. (kind, warning text) pairs."""
    made: list[tuple[Kind, str]] = []
    if before is None or any(getattr(before, f) != getattr(after, f) for f in _SHOWN):
        made.append((Kind.JOB, ""))
    elif before.progress != after.progress:
        made.append((Kind.PROGRESS, ""))
    warning = after.progress.warning
    if warning and (before is None or before.progress.warning != warning):
        made.append((Kind.WARNING, warning))
    return made


_SHOWN = tuple(f.name for f in fields(Job) if f.name not in ("progress", "version"))


@dataclass(frozen=True)
class Cursor:
    """Where a watcher is: the journal's `epoch` (one run of the scheduler) and number, and for a
    job's stream the last job version and log line it was given, so that a stream can be resumed
    from the store when the journal no longer holds what came after."""

    epoch: str
    seq: int
    version: int = 0
    log_seq: int = 0

    def __str__(self) -> str:
        return f"{self.epoch}.{self.seq}.{self.version}.{self.log_seq}"

    @classmethod
    def parse(cls, text: str, field: str = "after") -> Cursor:
        parts = text.split(".")
        try:
            if len(parts) != 4 or not parts[0].isalnum() or len(parts[0]) > 32:
                raise ValueError
            seq, version, log_seq = (int(p) for p in parts[1:])
        except ValueError:
            raise InvalidArgument(field, f"{text[:80]!r} is not a cursor from an event") from None
        if min(seq, version, log_seq) < 0:
            raise InvalidArgument(field, f"{text[:80]!r} is not a cursor from an event")
        return cls(parts[0], seq, version, log_seq)
