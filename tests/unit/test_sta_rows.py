"""The .sta rows the agent reports and the scheduler charts: Standard attempts with their cut-backs,
Explicit rows with the step their STEP line opened, and nothing from other lines or cut lines."""

from __future__ import annotations

from abaqueue.sta_rows import is_data, rows

STANDARD = """Abaqus/Standard 2024                      DATE 02-Mar-2025 TIME 09:14:51
 SUMMARY OF JOB INFORMATION:
 STEP  INC ATT SEVERE EQUIL TOTAL  TOTAL      STEP       INC OF       DOF    IF
               DISCON ITERS ITERS  TIME/    TIME/LPF    TIME/LPF    MONITOR RIKS
               ITERS               FREQ
   1     1   1     0     2     2  0.100      0.100      0.1000
   1     2   1U    4     0     4  0.200      0.100      0.1000
   1     2   2     1     3     4  0.125      0.0250     0.02500
   1     3   1     0     2"""

EXPLICIT = """ STEP 2  ORIGIN 1.0000
  Total memory used for step 2 is approximately 7.1 megabytes.
              STEP     TOTAL      WALL      STABLE    CRITICAL    KINETIC      TOTAL
INCREMENT     TIME      TIME      TIME   INCREMENT     ELEMENT     ENERGY     ENERGY
        0  0.000E+00 1.000E+00  00:00:00 1.819E-06           1  0.000E+00  0.000E+00
ODB Field Frame Number      0 of     20 requested intervals at increment zero.
     1405  2.500E-03 1.003E+00  00:00:12 1.790E-06         619  4.504E-02 -1.963E-03"""


def test_standard_rows_with_their_cut_back_and_not_the_header_or_a_cut_line():
    lines = STANDARD.splitlines()
    found = rows(lines)
    assert [(r.step, r.increment, r.attempt, r.cut_back) for _, r in found] == [(1, 1, 1, False), (1, 2, 1, True),
                                                                                (1, 2, 2, False)]
    assert [(r.step_time, r.total_time, r.time_increment) for _, r in found][2] == (0.025, 0.125, 0.025)
    assert [i for i, _ in found] == [5, 6, 7]
    assert [is_data(line) for line in lines] == [False] * 5 + [True] * 3 + [False]


def test_explicit_rows_take_their_step_from_the_step_line():
    found = [r for _, r in rows(EXPLICIT.splitlines())]
    assert [(r.step, r.increment, r.step_time, r.time_increment) for r in found] == [
        (2, 0, 0.0, 1.819e-06), (2, 1405, 2.5e-03, 1.79e-06)]
    assert is_data(EXPLICIT.splitlines()[0]) and not is_data(EXPLICIT.splitlines()[5])
