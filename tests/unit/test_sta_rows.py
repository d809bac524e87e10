"""The .sta rows the agent reports and the scheduler charts: Standard attempts with their cut-backs,
Explicit rows with the step their STEP line opened, and nothing from other lines or cut lines."""

from __future__ import annotations

from test_sta import EXPLICIT_WALL, STANDARD

from abaqueue.sta_rows import is_data, rows

CUT = "   1     3   1     0     2"  # a row Abaqus is still writing


def test_standard_rows_with_their_cut_back_and_not_the_header_or_a_cut_line():
    lines = [*STANDARD.splitlines(), CUT]
    found = rows(lines)
    assert [(r.step, r.increment, r.attempt, r.cut_back) for _, r in found] == [(1, 1, 1, False), (1, 2, 1, True),
                                                                                (1, 2, 2, False)]
    assert [(r.step_time, r.total_time, r.time_increment) for _, r in found][2] == (0.025, 0.125, 0.025)
    assert [i for i, _ in found] == [5, 6, 7]
    assert [is_data(line) for line in lines] == [False] * 5 + [True] * 3 + [False]


def test_explicit_rows_take_their_step_from_the_step_line():
    lines = EXPLICIT_WALL.replace("STEP 1", "STEP 2").splitlines()
    found = [r for _, r in rows(lines)]
    assert [(r.step, r.increment, r.step_time, r.time_increment) for r in found] == [
        (2, 0, 0.0, 1.819e-06), (2, 1405, 2.5e-03, 1.79e-06)]
    assert is_data(lines[0]) and not is_data(lines[5])
