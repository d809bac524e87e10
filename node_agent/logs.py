"""The agent's logging: to the console in the foreground, to a rotating file when asked, and to
the Windows event log when it runs as a service. Every line names the job, attempt and node it is
about (JobRun logs through a LoggerAdapter with `job` and `attempt`; the agent names its node for
all its tasks), plain or as JSON lines (abaqueue.log_format)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from abaqueue import log_format

MAX_BYTES = 20 * 1024**2
BACKUPS = 10


def setup(level: str = "INFO", log_file: Path | None = None, console: bool = True,
          event_log: str | None = None, kind: str = "plain") -> None:
    """`log_file` rotates at 20 MB, ten kept; `event_log` names the Windows event source (warnings
    and errors only, so the event log stays readable); `kind`: plain or json lines."""
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
    log_format.setup(level, kind, handlers)
