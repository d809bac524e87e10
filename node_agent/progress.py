"""How far a job has got: step and overall fractions from the .sta position and the step periods.

Pure functions: the caller reads the files. Rules (see shared/design/abaqus.md):
- step fraction = step time / step period;
- overall fraction = (sum of finished step periods + current step time) / (sum of all periods);
- a step without time (perturbation, period None) and a Riks step (its step-time column is the load
  factor) are whole units: they weigh 1.0 in both sums and their step fraction stays 0 until a
  later step starts;
- fractions are clamped to [0, 1]; a completed analysis is 1.0 overall;
- the solver waits for a licence while the log's last licence line is a "queued" line.
The .msg and log readings also come as small parsers (`MsgParser`, `LicenseQueue`) fed line by line,
for a reader that reads only what the files gained since its last look.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .inp import Step
from .sta import StaStatus

WHOLE_UNIT = 1.0  # weight of a step without a time period

_QUEUED = "license request queued for the license server"
_CHECKED_OUT = "checked out"
_GAVE_UP = ("error checking out", "exited with errors", "time limit of in queue has been exceeded")


@dataclass(frozen=True)
class ProgressSnapshot:
    step: int
    total_steps: int
    increment: int
    step_fraction: float
    overall_fraction: float
    waiting_for_license: bool


def compute_progress(steps: list[Step], sta: StaStatus, log_text: str = "", *,
                     waiting: bool | None = None) -> ProgressSnapshot:
    """The progress of an analysis with `steps` whose .sta reads `sta` and whose log reads `log_text`
    (or, already read from it, `waiting` for a licence).

    A .sta step beyond the parsed steps (an unreadable input file) counts as a whole unit.
    """
    total_steps = max(len(steps), sta.step)
    if waiting is None:
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


class LicenseQueue:
    """Whether the log's latest licence news is a queued request (no checkout or give-up after it),
    fed the log line by line."""

    def __init__(self) -> None:
        self.waiting = False

    def feed(self, lines: Iterable[str]) -> LicenseQueue:
        for line in lines:
            lower = line.lower()
            if _QUEUED in lower:
                self.waiting = True
            elif _CHECKED_OUT in lower or any(text in lower for text in _GAVE_UP):
                self.waiting = False
        return self


def waiting_for_license(log_text: str) -> bool:
    """Whether the log's latest licence news is a queued request (no checkout or give-up after it)."""
    return LicenseQueue().feed(log_text.splitlines()).waiting


_MSG_STEP = re.compile(r"S\s?T\s?E\s?P\s+(\d{1,9})\s")
_MSG_INCREMENT = re.compile(r"INCREMENT\s+(\d{1,12})\s+STARTS")
_MSG_FRACTION = re.compile(r"FRACTION OF STEP COMPLETED\s+([-+]?[\d.]+(?:[eEdD][-+]?\d+)?)")


@dataclass(frozen=True)
class MsgPosition:
    step: int
    increment: int  # the last increment that converged
    fraction: float  # of the step


class MsgParser:
    """Where the .msg says the analysis is, fed the file's lines (with their line ends) in order:
    the last `S T E P n` header, and after it the last `FRACTION OF STEP COMPLETED` with the
    increment it closed."""

    def __init__(self) -> None:
        self.step = 0
        self.increment = 0
        self.position: MsgPosition | None = None

    def feed(self, lines: Iterable[str]) -> MsgParser:
        for line in lines:
            headers = list(_MSG_STEP.finditer(line))
            if headers:
                self.step, self.increment, self.position = int(headers[-1].group(1)), 0, None
                line = line[headers[-1].end():]
            if not self.step:
                continue
            for increment in _MSG_INCREMENT.finditer(line):
                self.increment = int(increment.group(1))
            fractions = list(_MSG_FRACTION.finditer(line))
            if fractions:
                try:
                    fraction = float(fractions[-1].group(1).upper().replace("D", "E"))
                except ValueError:
                    continue
                self.position = MsgPosition(self.step, self.increment, _clamp(fraction))
        return self


def msg_position(msg_text: str) -> MsgPosition | None:
    """Where the .msg text says the analysis is (see MsgParser); None without a step header and a
    fraction after it."""
    return MsgParser().feed(msg_text.splitlines(keepends=True)).position


def _is_timed(step: Step) -> bool:
    return step.period is not None and step.period > 0 and step.procedure != "riks"


def _weight(step: Step) -> float:
    return step.period if _is_timed(step) and step.period is not None else WHOLE_UNIT


def _clamp(value: float) -> float:
    if value != value:  # NaN
        return 0.0
    return min(1.0, max(0.0, value))
