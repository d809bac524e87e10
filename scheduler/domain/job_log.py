"""A job's log: what its solver printed (the launcher's stdout, as the agent forwards it) and what
happened to it, line by line, numbered per job. Pure."""

from __future__ import annotations

import enum
from dataclasses import dataclass

MAX_TEXT = 2000  # characters kept of one line
MAX_LINES_PER_CALL = 1000


class Level(str, enum.Enum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class LogLine:
    seq: int  # 1, 2, ... per job
    time: float
    attempt: int
    level: Level
    text: str


def level_of(text: str) -> Level:
    """How an Abaqus log line reads: its errors and warnings as such, the rest as information."""
    upper = text.upper()
    if "***ERROR" in upper or "ABAQUS ERROR" in upper or "EXITED WITH ERRORS" in upper:
        return Level.ERROR
    if "***WARNING" in upper or upper.startswith("WARNING"):
        return Level.WARNING
    return Level.INFO
