"""The agent's logging: to the console in the foreground, to a rotating file when asked, and to
the Windows event log when it runs as a service. Every line names the job and attempt it is about
when the record carries them (JobRun logs through a LoggerAdapter with `job` and `attempt`)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s%(job_context)s: %(message)s"
MAX_BYTES = 20 * 1024**2
BACKUPS = 10


class JobContext(logging.Filter):
    """Sets `job_context` on every record: ` [job JOB attempt N]` when the record has a job, else
    empty, so one format serves lines about a job and lines about the agent alike."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = getattr(record, "job", None)
        attempt = getattr(record, "attempt", None)
        if job is None:
            record.job_context = ""
        elif attempt is None:
            record.job_context = f" [job {job}]"
        else:
            record.job_context = f" [job {job} attempt {attempt}]"
        return True


def setup(level: str = "INFO", log_file: Path | None = None, console: bool = True,
          event_log: str | None = None) -> None:
    """`log_file` rotates at 20 MB, ten kept; `event_log` names the Windows event source (warnings
    and errors only, so the event log stays readable)."""
    handlers: list[logging.Handler] = []
    if console:
        handlers.append(logging.StreamHandler())
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                             encoding="utf-8"))
    if event_log:
        events = logging.handlers.NTEventLogHandler(event_log)
        events.setLevel(logging.WARNING)
        handlers.append(events)
    for handler in handlers:
        handler.addFilter(JobContext())
        handler.setFormatter(logging.Formatter(FORMAT))
    logging.basicConfig(level=level.upper(), handlers=handlers, force=True)
