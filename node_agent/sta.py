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

from abaqueue.sta_rows import explicit_row, explicit_step, standard_row

SUCCESS_LINE = "THE ANALYSIS HAS COMPLETED SUCCESSFULLY"
FAILURE_LINE = "THE ANALYSIS HAS NOT BEEN COMPLETED"

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
        elif (row := standard_row(line)) is not None:
            if not row.cut_back:  # a `U` attempt was cut back: not progress
                self.standard = (row.step, row.increment, row.step_time, row.total_time)
        elif (step := explicit_step(line)) is not None:
            self.explicit_step = step
            self.solver = self.solver or "explicit"
        elif (row := explicit_row(line, self.explicit_step)) is not None:
            self.explicit = (row.step, row.increment, row.step_time, row.total_time)
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
