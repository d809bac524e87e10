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

A failure's class comes from what ended the run (`classify_files`), not from any text found
anywhere:
- a licence failure counts only when no successful checkout (`checked out N tokens`) follows it in
  the log: a licence error that was queued through, then overcome, ended nothing;
- else a crash the launcher reports (`aborted with system error code`, signal 9, ...) is the cause;
- else the last specific error of the solver, in the .msg, else the .dat, else the .sta;
- else the launcher's last specific error (a user subroutine that did not compile, ...);
- else the last generic trailer (`THE ANALYSIS HAS BEEN TERMINATED DUE TO PREVIOUS ERRORS`, `Abaqus
  Error: ...` that no pattern explains), solver's first.
One line is classed by its own text: licence, then system, then model (see shared/design/abaqus.md).
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


# One line's class: the first group whose pattern it contains. A named model cause comes before
# the system texts (a model error that mentions memory is still that model error); a bare `***ERROR`
# after them. Generic trailers only say that an error happened; a specific line names it.
_LINE_CLASSES: tuple[tuple[ErrorClass, bool, tuple[str, ...]], ...] = tuple(
    (cls, specific, tuple(p.lower() for p in patterns))
    for cls, specific, patterns in (
        (ErrorClass.LICENSE, True, (
            "Error checking out Abaqus license", "No license server available",
            "Licensed number of users already reached", "FlexNet Licensing error",
            "Failed to startup licensing", "Time limit of in queue has been exceeded",
        )),
        (ErrorClass.MODEL, True, (
            "TOO MANY ATTEMPTS MADE FOR THIS INCREMENT",
            "Time increment required is less than the minimum specified",
            "Too many increments needed to complete the step", "EXCESSIVE DISTORTION",
            "Problem during compilation", "Problem during linking",
        )),
        (ErrorClass.SYSTEM, True, (
            "aborted with system error code", "Illegal floating point operation", "signal 9", "out of memory",
        )),
        (ErrorClass.MODEL, True, ("***ERROR",)),  # any other solver or pre-processor error: a model problem
        (ErrorClass.MODEL, False, (
            "THE ANALYSIS HAS BEEN TERMINATED DUE TO PREVIOUS ERRORS",
            "Analysis Input File Processor exited with an error",
        )),
        (ErrorClass.SYSTEM, False, ("Abaqus Error:",)),  # a launcher error no text above explains
    )
)
_CHECKED_OUT = re.compile(r"checked out \d+ tokens?\b", re.IGNORECASE)
_DAT_SUCCESS = ("THE ANALYSIS HAS BEEN COMPLETED", "ANALYSIS DATACHECK COMPLETE")
_LOG_FAILURE = "Abaqus/Analysis exited with errors"


@dataclass(frozen=True)
class _Failure:
    error_class: ErrorClass
    line: str
    specific: bool


def _line_failure(line: str) -> _Failure | None:
    lowered = line.lower()
    for error_class, specific, patterns in _LINE_CLASSES:
        if any(p in lowered for p in patterns):
            return _Failure(error_class, line.strip(), specific)
    return None


def _failures(text: str) -> tuple[list[_Failure], list[_Failure]]:
    """The licence failures after the last successful checkout in `text`, and every other failure
    line, in file order."""
    licence: list[_Failure] = []
    other: list[_Failure] = []
    for line in text.splitlines():
        if _CHECKED_OUT.search(line):
            licence = []  # the checkout overcame whatever licence trouble came before
        elif (failure := _line_failure(line)) is not None:
            (licence if failure.error_class is ErrorClass.LICENSE else other).append(failure)
    return licence, other


def _last(failures: list[_Failure], specific: bool = True) -> _Failure | None:
    return next((f for f in reversed(failures) if f.specific == specific), None)


def classify_files(log: str, *solver_texts: str) -> tuple[ErrorClass, str] | None:
    """The class of the failure that ended the run and its line (stripped), from the launcher's log
    and the solver's files (.msg, .dat, .sta: most telling first); None when none says one."""
    log_licence, log_other = _failures(log)
    solver = [_failures(text) for text in solver_texts]
    licence = log_licence or ([f for lic, _ in solver for f in lic] if not _CHECKED_OUT.search(log) else [])
    if licence:
        return ErrorClass.LICENSE, licence[-1].line
    launcher = _last(log_other)
    if launcher is not None and launcher.error_class is ErrorClass.SYSTEM:
        return launcher.error_class, launcher.line
    candidates = [_last(other) for _, other in solver] + [launcher]
    candidates += [_last(other, specific=False) for _, other in solver] + [_last(log_other, specific=False)]
    found = next((c for c in candidates if c is not None), None)
    return (found.error_class, found.line) if found is not None else None


def classify_text(text: str) -> tuple[ErrorClass, str] | None:
    """The class of the failure `text` (one file) describes and its telling line, or None."""
    return classify_files(text)


def decide_outcome(job_dir: Path, job_name: str, exit_code: int | None, ended: bool | None = None) -> Outcome:
    """The outcome of job `job_name` in `job_dir`. `exit_code` is the launcher's, None while the
    solver runs or when it is unknown; `ended` (default: an exit code is known) says the analysis
    is over, so no marker at all means a failure rather than a run in progress."""
    ended = exit_code is not None if ended is None else ended
    texts = {ext: _read_tail(Path(job_dir) / f"{job_name}{ext}") for ext in EXTENSIONS}
    log, msg, dat, sta_text = (texts[ext] or "" for ext in EXTENSIONS)
    sta = parse_sta(sta_text)
    failure = classify_files(log, msg, dat, sta_text)
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
