"""Reading an Abaqus status file (.sta): where the solver is, and whether it has finished.

The .sta grows while the solver runs, so the text may end in a half-written line; `parse_sta` is
pure, reads whatever it is given and never raises. `StaParser` holds the same reading line by line,
for a reader that feeds it only what the file gained since its last look. Formats (see shared/design/abaqus.md):

- Standard: one row per increment attempt: step, increment, attempt, severe discontinuity
  iterations, equilibrium iterations, total iterations, total time, step time (LPF for Riks), time
  increment, and optional columns. An attempt with a `U` suffix was cut back: its times are not
  progress, so the last row without `U` is the position.
- Explicit: ` STEP n  ORIGIN x` opens each step; rows are increment, step time, total time, wall
  (or CPU) time, stable increment, critical element, kinetic and total energy, and with mass
  scaling a percent mass change. Other interleaved lines are ignored.

A row is only accepted when all its leading numeric columns are complete, which a cut line cannot
fake: the step-time column is followed by at least one more full column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SUCCESS_LINE = "THE ANALYSIS HAS COMPLETED SUCCESSFULLY"
FAILURE_LINE = "THE ANALYSIS HAS NOT BEEN COMPLETED"

# Unambiguous on purpose (no `\d+\.?\d*`): a long digit run must not make a failing match quadratic.
_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eEdD][-+]?\d+)?"
_STANDARD_ROW = re.compile(
    rf"^\s*(\d{{1,12}})\s+(\d{{1,12}})\s+(\d+)(U?)\s+\d+\s+\d+\s+\d+\s+({_NUM})\s+({_NUM})\s+{_NUM}(?:\s|$)"
)
_ENUM = r"[-+]?\d*\.\d+[eEdD][-+]?\d+"  # Explicit prints times in E format only
_EXPLICIT_ROW = re.compile(
    rf"^\s*(\d{{1,12}})\s+({_ENUM})\s+({_ENUM})\s+(?:\d+:\d\d:\d\d|{_NUM})\s+{_NUM}\s+\S+\s+{_NUM}\s+{_NUM}(?:\s|$)"
)
_EXPLICIT_STEP = re.compile(rf"^\s*STEP\s+(\d{{1,12}})\s+ORIGIN\s+{_NUM}", re.IGNORECASE)
_STANDARD_HEADER = re.compile(r"^\s*(Abaqus/Standard|SUMMARY OF JOB INFORMATION)", re.IGNORECASE)
_EXPLICIT_HEADER = re.compile(r"^\s*(Abaqus/Explicit|INCREMENT\s+TIME\s+TIME)", re.IGNORECASE)


@dataclass(frozen=True)
class StaStatus:
    """The last converged position in a .sta, and its completion line if any."""

    solver: str | None = None  # "standard", "explicit", or None when unknown
    step: int = 0
    increment: int = 0
    step_time: float = 0.0
    total_time: float = 0.0
    completed: bool | None = None  # True: success line; False: not-completed line; None: neither


class StaParser:
    """The reading of a .sta so far: `feed` it lines in file order, ask `status()` at any time."""

    def __init__(self) -> None:
        self.solver: str | None = None
        self.completed: bool | None = None
        self.standard: tuple[int, int, float, float] | None = None
        self.explicit: tuple[int, int, float, float] | None = None
        self.explicit_step = 0

    def feed(self, lines: Iterable[str]) -> StaParser:
        for line in lines:
            self._line(line)
        return self

    def copy(self) -> StaParser:
        twin = StaParser()
        twin.__dict__.update(self.__dict__)
        return twin

    def _line(self, line: str) -> None:
        upper = line.strip().upper()
        if upper == SUCCESS_LINE:
            self.completed = True
        elif upper == FAILURE_LINE:
            self.completed = False
        elif (match := _STANDARD_ROW.match(line)) is not None:
            if not match.group(4):  # a `U` attempt was cut back: not progress
                self.standard = (int(match.group(1)), int(match.group(2)), _float(match.group(6)),
                                 _float(match.group(5)))
        elif (match := _EXPLICIT_STEP.match(line)) is not None:
            self.explicit_step = int(match.group(1))
            self.solver = self.solver or "explicit"
        elif (match := _EXPLICIT_ROW.match(line)) is not None:
            self.explicit = (self.explicit_step, int(match.group(1)), _float(match.group(2)), _float(match.group(3)))
        elif _STANDARD_HEADER.match(line):
            self.solver = self.solver or "standard"
        elif _EXPLICIT_HEADER.match(line):
            self.solver = self.solver or "explicit"

    def status(self) -> StaStatus:
        solver = self.solver
        if solver is None:
            solver = "standard" if self.standard else "explicit" if self.explicit else None
        row = self.standard if solver == "standard" else self.explicit
        if row is None:
            return StaStatus(solver=solver, completed=self.completed)
        step, increment, step_time, total_time = row
        return StaStatus(solver, step, increment, step_time, total_time, self.completed)


def parse_sta(text: str) -> StaStatus:
    """The status described by the .sta text `text` (possibly partial). Never raises."""
    return StaParser().feed(text.splitlines()).status()


def _float(text: str) -> float:
    """A Fortran-printed number; a value Python cannot represent finitely becomes 0.0."""
    try:
        value = float(text.replace("d", "e").replace("D", "e"))
    except (ValueError, OverflowError):
        return 0.0
    return value if abs(value) != float("inf") else 0.0
