"""The data rows of an Abaqus status file (.sta), as the agent reads them to follow a solve and the
scheduler reads them to chart its convergence. Formats: shared/design/abaqus.md.

- Standard: one row per increment attempt: step, increment, attempt (a `U` suffix: cut back, its
  times are not progress), severe discontinuity iterations, equilibrium iterations, total
  iterations, total time, step time (LPF for Riks), time increment, optional columns.
- Explicit: ` STEP n  ORIGIN x` opens each step; rows are increment, step time, total time, wall
  (or CPU) time, stable increment, critical element, kinetic and total energy, optional columns.

A row is only taken when its leading numeric columns are all complete, which a line cut while
Abaqus writes it cannot fake. Nothing here raises on what a file holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Unambiguous on purpose (no `\d+\.?\d*`): a long digit run must not make a failing match quadratic.
_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eEdD][-+]?\d+)?"
_STANDARD_ROW = re.compile(
    rf"^\s*(\d{{1,12}})\s+(\d{{1,12}})\s+(\d{{1,6}})(U?)\s+\d+\s+\d+\s+\d+\s+({_NUM})\s+({_NUM})\s+({_NUM})(?:\s|$)"
)
_ENUM = r"[-+]?\d*\.\d+[eEdD][-+]?\d+"  # Explicit prints times in E format only
_EXPLICIT_ROW = re.compile(
    rf"^\s*(\d{{1,12}})\s+({_ENUM})\s+({_ENUM})\s+(?:\d+:\d\d:\d\d|{_NUM})\s+({_NUM})\s+\S+\s+{_NUM}\s+{_NUM}(?:\s|$)"
)
_EXPLICIT_STEP = re.compile(rf"^\s*STEP\s+(\d{{1,12}})\s+ORIGIN\s+{_NUM}", re.IGNORECASE)


@dataclass(frozen=True)
class StaRow:
    step: int
    increment: int
    attempt: int  # Explicit: always 1
    cut_back: bool  # Standard's `U`: the attempt did not converge
    step_time: float
    total_time: float
    time_increment: float  # Explicit: the stable time increment


def standard_row(line: str) -> StaRow | None:
    m = _STANDARD_ROW.match(line)
    if m is None:
        return None
    return StaRow(int(m.group(1)), int(m.group(2)), int(m.group(3)), bool(m.group(4)), number(m.group(6)),
                  number(m.group(5)), number(m.group(7)))


def explicit_row(line: str, step: int) -> StaRow | None:
    m = _EXPLICIT_ROW.match(line)
    if m is None:
        return None
    return StaRow(step, int(m.group(1)), 1, False, number(m.group(2)), number(m.group(3)), number(m.group(4)))


def explicit_step(line: str) -> int | None:
    """The step a ` STEP n  ORIGIN x` line of an Explicit .sta opens."""
    m = _EXPLICIT_STEP.match(line)
    return None if m is None else int(m.group(1))


def is_data(line: str) -> bool:
    """Whether the line is one of the rows (or an Explicit step's opening) that rows() reads."""
    return bool(_STANDARD_ROW.match(line) or _EXPLICIT_ROW.match(line) or _EXPLICIT_STEP.match(line))


def rows(lines: Sequence[str]) -> list[tuple[int, StaRow]]:
    """The rows among `lines`, each with the index of its line (an Explicit row takes its step from
    the last STEP line before it)."""
    out, step = [], 1
    for i, line in enumerate(lines):
        if (opened := explicit_step(line)) is not None:
            step = opened
        elif (row := standard_row(line) or explicit_row(line, step)) is not None:
            out.append((i, row))
    return out


def number(text: str) -> float:
    """A Fortran-printed number; a value Python cannot represent finitely becomes 0.0."""
    try:
        value = float(text.replace("d", "e").replace("D", "e"))
    except (ValueError, OverflowError):
        return 0.0
    return value if value == value and abs(value) != float("inf") else 0.0
