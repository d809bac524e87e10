"""The increments a simulated analysis goes through: pure, so tests can check them without files.

A timed step of period P with N increments advances by P/N per increment; total time is the sum of
earlier timed periods plus the step time. A Riks step runs its load factor from 0 to 1 the same
way. A step without time (period None) has one increment that advances nothing. With cut-backs,
every K-th increment is first tried with twice the increment and fails (a `U` row).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..inp import Step

MAX_ATTEMPTS = 5  # Abaqus/Standard gives up on an increment after five attempts by default
TINY = 1.0e-36  # what Abaqus prints as the "time" of a step without time


@dataclass(frozen=True)
class Row:
    """One increment attempt: one .sta row and one .msg block."""

    step: int
    increment: int
    attempt: int
    cut_back: bool
    step_time: float
    total_time: float
    time_increment: float
    fraction: float  # of the step once this attempt converged (a cut-back attempt never does)
    last_in_step: bool = False


def plan_rows(steps: list[Step], increments: int, cutbacks: int = 0) -> list[Row]:
    """Every increment attempt of a successful analysis of `steps`, in order."""
    rows: list[Row] = []
    origin = 0.0
    for number, step in enumerate(steps or [Step("static", 1.0)], start=1):
        if step.period is None:
            rows.append(Row(number, 1, 1, False, TINY, origin, TINY, 1.0, last_in_step=True))
            continue
        dt = step.period / increments
        for inc in range(1, increments + 1):
            attempt = 1
            if cutbacks and inc % cutbacks == 0:
                tried = (inc + 1) * dt
                rows.append(Row(number, inc, 1, True, tried, origin + tried, 2 * dt, (inc + 1) / increments))
                attempt = 2
            time = inc * dt
            rows.append(Row(number, inc, attempt, False, time, origin + time, dt, inc / increments,
                            last_in_step=inc == increments))
        origin += step.period
    return rows


def failing_attempts(row: Row) -> list[Row]:
    """The attempts at the increment of `row` when it never converges: each cut back, each a quarter
    of the one before, as Abaqus/Standard retries before it gives up."""
    start_step, start_total = row.step_time - row.time_increment, row.total_time - row.time_increment
    attempts = []
    dt = row.time_increment
    for attempt in range(1, MAX_ATTEMPTS + 1):
        attempts.append(Row(row.step, row.increment, attempt, True, start_step + dt, start_total + dt, dt,
                            row.fraction))
        dt /= 4
    return attempts


def failure_point(rows: list[Row]) -> int:
    """The index of the row at which a failing run fails: about halfway (rows before it are written)."""
    return len(rows) // 2
