"""What became of a solver run, decided from the files it wrote and never from its exit code alone.

Abaqus exit codes lie (2021.HF5 exits non-zero after a successful analysis; the launcher returns 1
for model and licence failures alike), so the markers in NAME.sta, NAME.log, NAME.msg and NAME.dat
decide, in this order:
1. the .sta says THE ANALYSIS HAS NOT BEEN COMPLETED: FAILED;
2. any success marker (the .sta completion line, `Abaqus JOB NAME COMPLETED` in the log,
   THE ANALYSIS HAS BEEN COMPLETED or ANALYSIS DATACHECK COMPLETE in the .dat/.msg): COMPLETED,
   with a warning when the launcher's exit code was non-zero;
3. any failure text (`classify_text`) or failure marker: FAILED;
4. no marker: RUNNING or NOT_STARTED while the exit code is unknown, else FAILED (system).

A failure's class comes from the first failure text found, licence texts first, then system, then
model, so that a doubtful case costs a retry rather than a job (see shared/design/abaqus.md).
A failure with markers but no classified text is a system failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .sta import parse_sta

TAIL_BYTES = 256 * 1024
EXTENSIONS = (".log", ".msg", ".dat", ".sta")
# Files whose presence means the launcher has started (the agent may create an empty .log first).
STARTED_EXTENSIONS = (".lck", ".com")


class ErrorClass(str, Enum):
    MODEL = "model"
    LICENSE = "license"
    SYSTEM = "system"


class Result(str, Enum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    result: Result
    error_class: ErrorClass | None = None
    error_message: str | None = None
    warnings: tuple[str, ...] = ()


# Failure texts by priority: the first pattern found anywhere in the text decides the class.
_PATTERNS: tuple[tuple[ErrorClass, str], ...] = tuple(
    (cls, pattern.lower())
    for cls, patterns in (
        (ErrorClass.LICENSE, (
            "Error checking out Abaqus license", "No license server available",
            "Licensed number of users already reached", "FlexNet Licensing error",
            "Failed to startup licensing", "Time limit of in queue has been exceeded",
        )),
        (ErrorClass.SYSTEM, (
            "aborted with system error code", "Illegal floating point operation", "signal 9",
            "out of memory",
        )),
        (ErrorClass.MODEL, (
            "TOO MANY ATTEMPTS MADE FOR THIS INCREMENT",
            "Time increment required is less than the minimum specified",
            "Too many increments needed to complete the step", "EXCESSIVE DISTORTION",
            "Problem during compilation", "Problem during linking",
            "***ERROR",  # any other solver or pre-processor error names a model problem
            "THE ANALYSIS HAS BEEN TERMINATED DUE TO PREVIOUS ERRORS",
            "Analysis Input File Processor exited with an error",
        )),
        (ErrorClass.SYSTEM, ("Abaqus Error:",)),  # a launcher error no text above explains
    )
    for pattern in patterns
)
_DAT_SUCCESS = ("THE ANALYSIS HAS BEEN COMPLETED", "ANALYSIS DATACHECK COMPLETE")
_LOG_FAILURE = "Abaqus/Analysis exited with errors"


def classify_text(text: str) -> tuple[ErrorClass, str] | None:
    """The class of the failure `text` describes and its first matching line (stripped), or None."""
    lowered = text.lower()
    for error_class, pattern in _PATTERNS:
        if pattern in lowered:
            line = _line_containing(text, pattern)
            if line is not None:
                return error_class, line
    return None


def decide_outcome(job_dir: Path, job_name: str, exit_code: int | None, ended: bool | None = None) -> Outcome:
    """The outcome of job `job_name` in `job_dir`. `exit_code` is the launcher's, None while the
    solver runs or when it is unknown; `ended` (default: an exit code is known) says the analysis
    is over, so no marker at all means a failure rather than a run in progress."""
    ended = exit_code is not None if ended is None else ended
    texts = {ext: _read_tail(Path(job_dir) / f"{job_name}{ext}") for ext in EXTENSIONS}
    log, msg, dat, sta_text = (texts[ext] or "" for ext in EXTENSIONS)
    sta = parse_sta(sta_text)
    failure = classify_text("\n".join((log, msg, dat, sta_text)))
    if sta.completed is False:
        cls, message = failure or (ErrorClass.SYSTEM, "THE ANALYSIS HAS NOT BEEN COMPLETED")
        return Outcome(Result.FAILED, cls, message)
    if sta.completed or _log_completed(log, job_name) or _contains(msg + "\n" + dat, _DAT_SUCCESS):
        warnings = []
        if exit_code:
            warnings.append(f"launcher exited with code {exit_code} after the analysis completed")
        if failure is not None:
            warnings.append(f"the analysis completed although its files report: {failure[1]}")
        return Outcome(Result.COMPLETED, warnings=tuple(warnings))
    if failure is not None:
        return Outcome(Result.FAILED, failure[0], failure[1])
    exited = _line_containing(log, _LOG_FAILURE)
    if exited is not None:
        return Outcome(Result.FAILED, ErrorClass.SYSTEM, exited)
    if not ended:
        started = any(texts[ext] for ext in EXTENSIONS) or any(
            (Path(job_dir) / f"{job_name}{ext}").exists() for ext in STARTED_EXTENSIONS)
        return Outcome(Result.RUNNING if started else Result.NOT_STARTED)
    if exit_code is None:
        return Outcome(Result.FAILED, ErrorClass.SYSTEM, "the solver ended and left no completion or error marker")
    if exit_code == 0:
        return Outcome(Result.FAILED, ErrorClass.SYSTEM, "solver exited without completing (exit code 0)")
    return Outcome(Result.FAILED, ErrorClass.SYSTEM,
                   f"solver exited with code {exit_code} and left no completion or error marker")


def _log_completed(log: str, job_name: str) -> bool:
    line = rf"^[ \t]*Abaqus JOB {re.escape(job_name)} COMPLETED[ \t\r]*$"
    pattern = re.compile(line, re.IGNORECASE | re.MULTILINE)
    return pattern.search(log) is not None


def _contains(text: str, markers: tuple[str, ...]) -> bool:
    upper = text.upper()
    return any(marker in upper for marker in markers)


def _line_containing(text: str, marker: str) -> str | None:
    for line in text.splitlines():
        if marker.lower() in line.lower():
            return line.strip()
    return None


def _read_tail(path: Path, tail: int = TAIL_BYTES) -> str | None:
    """The last `tail` bytes of `path` as text (a cut first line dropped), or None when unreadable."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - tail))
            data = f.read()
    except OSError:
        return None
    if size > tail:
        data = data.partition(b"\n")[2]
    return data.decode("utf-8", errors="replace")
