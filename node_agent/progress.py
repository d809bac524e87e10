"""How far a job has got: step and overall fractions from the .sta position and the step periods.

Pure functions: the caller reads the files. Rules (see shared/design/abaqus.md):
- step fraction = step time / step period;
- overall fraction = (sum of finished step periods + current step time) / (sum of all periods);
- a step without time (perturbation, period None) and a Riks step (its step-time column is the load
  factor) are whole units: they weigh 1.0 in both sums and their step fraction stays 0 until a
  later step starts;
- fractions are clamped to [0, 1]; a completed analysis is 1.0 overall;
- the solver waits for a licence while the log's last licence line is a "queued" line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .inp import Step
from .sta import StaStatus

WHOLE_UNIT = 1.0  # weight of a step without a time period

_QUEUED = "license request queued for the license server"
_CHECKED_OUT = "checked out"
_GAVE_UP = ("error checking out", "exited with errors", "time limit of in queue has been exceeded")
_MSG_TIMES = re.compile(
    r"STEP TIME COMPLETED\s+([-+]?[\d.]+(?:[eEdD][-+]?\d+)?)\s*,\s*"
    r"TOTAL TIME COMPLETED\s+([-+]?[\d.]+(?:[eEdD][-+]?\d+)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ProgressSnapshot:
    step: int
    total_steps: int
    increment: int
    step_fraction: float
    overall_fraction: float
    waiting_for_license: bool


def compute_progress(steps: list[Step], sta: StaStatus, log_text: str = "") -> ProgressSnapshot:
    """The progress of an analysis with `steps` whose .sta reads `sta` and whose log reads `log_text`.

    A .sta step beyond the parsed steps (an unreadable input file) counts as a whole unit.
    """
    total_steps = max(len(steps), sta.step)
    waiting = waiting_for_license(log_text)
    if sta.completed is True:
        return ProgressSnapshot(sta.step or total_steps, total_steps, sta.increment, 1.0, 1.0, waiting)
    if sta.step < 1:
        return ProgressSnapshot(0, total_steps, 0, 0.0, 0.0, waiting)
    padded = list(steps) + [Step("unknown", None)] * (total_steps - len(steps))
    current = padded[sta.step - 1]
    step_fraction = _clamp(sta.step_time / current.period) if _is_timed(current) else 0.0
    done = sum(_weight(step) for step in padded[: sta.step - 1])
    total = sum(_weight(step) for step in padded)
    overall = _clamp((done + step_fraction * _weight(current)) / total) if total > 0 else 0.0
    return ProgressSnapshot(sta.step, total_steps, sta.increment, step_fraction, overall, waiting)


def waiting_for_license(log_text: str) -> bool:
    """Whether the log's latest licence news is a queued request (no checkout or give-up after it)."""
    waiting = False
    for line in log_text.splitlines():
        lower = line.lower()
        if _QUEUED in lower:
            waiting = True
        elif _CHECKED_OUT in lower or any(text in lower for text in _GAVE_UP):
            waiting = False
    return waiting


_MSG_STEP = re.compile(r"S\s?T\s?E\s?P\s+(\d{1,9})\s")
_MSG_INCREMENT = re.compile(r"INCREMENT\s+(\d{1,12})\s+STARTS")
_MSG_FRACTION = re.compile(r"FRACTION OF STEP COMPLETED\s+([-+]?[\d.]+(?:[eEdD][-+]?\d+)?)")


@dataclass(frozen=True)
class MsgPosition:
    step: int
    increment: int  # the last increment that converged
    fraction: float  # of the step


def msg_position(msg_text: str) -> MsgPosition | None:
    """Where the .msg says the analysis is: the last `S T E P n` header, and after it the last
    `FRACTION OF STEP COMPLETED` with the increment it closed; None without both."""
    steps = list(_MSG_STEP.finditer(msg_text))
    if not steps:
        return None
    step = steps[-1]
    tail = msg_text[step.end():]
    fractions = list(_MSG_FRACTION.finditer(tail))
    if not fractions:
        return None
    last = fractions[-1]
    increments = list(_MSG_INCREMENT.finditer(tail, 0, last.start()))
    try:
        fraction = float(last.group(1).upper().replace("D", "E"))
    except ValueError:
        return None
    return MsgPosition(int(step.group(1)), int(increments[-1].group(1)) if increments else 0, _clamp(fraction))


def msg_times(msg_text: str) -> tuple[float, float] | None:
    """The last (step time, total time) from `STEP TIME COMPLETED x , TOTAL TIME COMPLETED y` in .msg text."""
    last = None
    for match in _MSG_TIMES.finditer(msg_text):
        last = match
    if last is None:
        return None
    try:
        return float(last.group(1).upper().replace("D", "E")), float(last.group(2).upper().replace("D", "E"))
    except ValueError:
        return None


def _is_timed(step: Step) -> bool:
    return step.period is not None and step.period > 0 and step.procedure != "riks"


def _weight(step: Step) -> float:
    return step.period if _is_timed(step) and step.period is not None else WHOLE_UNIT


def _clamp(value: float) -> float:
    if value != value:  # NaN
        return 0.0
    return min(1.0, max(0.0, value))
