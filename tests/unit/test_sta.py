"""node_agent.sta: Standard and Explicit status files, complete, growing and garbled."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node_agent.sta import StaStatus, parse_sta

STANDARD = """\
Abaqus/Standard 2024                      DATE 02-Mar-2025 TIME 09:14:51
 SUMMARY OF JOB INFORMATION:
 STEP  INC ATT SEVERE EQUIL TOTAL  TOTAL      STEP       INC OF       DOF    IF
               DISCON ITERS ITERS  TIME/    TIME/LPF    TIME/LPF    MONITOR RIKS
               ITERS               FREQ
   1     1   1     0     2     2  0.100      0.100      0.1000
   1     2   1U    4     0     4  0.200      0.100      0.1000
   1     2   2     1     3     4  0.125      0.0250     0.02500
"""

EXPLICIT_WALL = """\
 STEP 1  ORIGIN 0.0000
  Total memory used for step 1 is approximately 7.1 megabytes.
              STEP     TOTAL      WALL      STABLE    CRITICAL    KINETIC      TOTAL
INCREMENT     TIME      TIME      TIME   INCREMENT     ELEMENT     ENERGY     ENERGY
        0  0.000E+00 0.000E+00  00:00:00 1.819E-06           1  0.000E+00  0.000E+00
ODB Field Frame Number      0 of     20 requested intervals at increment zero.
     1405  2.500E-03 2.500E-03  00:00:12 1.790E-06         619  4.504E-02 -1.963E-03
"""

EXPLICIT_CPU_MASS_SCALING = """\
 STEP 1  ORIGIN 0.0000
              STEP     TOTAL       CPU      STABLE    CRITICAL    KINETIC      TOTAL    PERCENT
INCREMENT     TIME      TIME      TIME   INCREMENT     ELEMENT     ENERGY     ENERGY  CHNG MASS
        0  0.000E+00 0.000E+00  00:00:00 2.000E-06          12  0.000E+00  0.000E+00  0.000E+00
     5000  1.000E-02 1.000E-02  00:01:40 2.000E-06          12  3.100E+01  2.000E-01  1.250E+00
 ***WARNING: THE RATIO OF DEFORMATION SPEED TO WAVE SPEED EXCEEDS 1.0000 IN AT LEAST ONE ELEMENT.
 STEP 2  ORIGIN 1.0000E-02
              STEP     TOTAL       CPU      STABLE    CRITICAL    KINETIC      TOTAL    PERCENT
INCREMENT     TIME      TIME      TIME   INCREMENT     ELEMENT     ENERGY     ENERGY  CHNG MASS
     5001  0.000E+00 1.000E-02  00:01:40 2.000E-06          12  3.100E+01  2.000E-01  1.250E+00
ODB Field Frame Number      1 of     10 requested intervals at  1.000000E-03
     6200  4.000E-03 1.400E-02  00:02:10 2.000E-06          12  2.900E+01  2.100E-01  1.300E+00
 ***ERROR: The elements in element set ErrElemExcessDistortion have become excessively distorted.
"""


def test_standard_takes_the_last_converged_row():
    assert parse_sta(STANDARD) == StaStatus("standard", 1, 2, 0.025, 0.125, None)


def test_standard_cut_back_rows_are_not_progress():
    text = STANDARD + "   1     3   1U    2     1     3  0.925      0.825      0.8000\n"
    status = parse_sta(text)
    assert (status.increment, status.step_time, status.total_time) == (2, 0.025, 0.125)


def test_standard_later_steps_and_extra_columns():
    text = STANDARD + (
        "   2     1   1     0     1     1  1.13       0.125      0.1250\n"
        "   2     2   1     0     2     2  1.50       0.500      0.3750     -1.2e-03  \n"
    )
    assert parse_sta(text) == StaStatus("standard", 2, 2, 0.5, 1.5, None)


@pytest.mark.parametrize(("last_line", "completed"), [
    (" THE ANALYSIS HAS COMPLETED SUCCESSFULLY\n", True),
    (" THE ANALYSIS HAS NOT BEEN COMPLETED\n", False),
    ("", None),
])
def test_completion_line(last_line, completed):
    status = parse_sta(STANDARD + last_line)
    assert status.completed is completed
    assert status.step == 1


def test_windows_line_ends():
    text = STANDARD + " THE ANALYSIS HAS COMPLETED SUCCESSFULLY\n"
    expected = StaStatus("standard", 1, 2, 0.025, 0.125, True)
    assert parse_sta(text.replace("\n", "\r\n")) == parse_sta(text) == expected


def test_a_half_written_last_row_is_ignored():
    cut = STANDARD + "   1     3   1     0     2     2  0.300      0.2"
    assert parse_sta(cut) == parse_sta(STANDARD)


def test_explicit_with_wall_time():
    assert parse_sta(EXPLICIT_WALL) == StaStatus("explicit", 1, 1405, 2.5e-3, 2.5e-3, None)


def test_explicit_with_cpu_time_mass_scaling_and_interleaved_lines():
    assert parse_sta(EXPLICIT_CPU_MASS_SCALING) == StaStatus("explicit", 2, 6200, 4.0e-3, 1.4e-2, None)


def test_explicit_completion():
    status = parse_sta(EXPLICIT_WALL + "\n THE ANALYSIS HAS COMPLETED SUCCESSFULLY\n")
    assert status.completed is True and status.increment == 1405


def test_explicit_row_cut_before_its_last_column_is_ignored():
    text = EXPLICIT_WALL + "     2810  5.000E-03 5.000E-03  00:00:24 1.790E-06         619  4.6"
    assert parse_sta(text).increment == 1405


@pytest.mark.parametrize("text", ["", "\n\n", "Abaqus/Standard 2024   DATE 02-Mar-2025 TIME 09:14:51\n"])
def test_nothing_yet(text):
    status = parse_sta(text)
    assert (status.step, status.increment, status.step_time, status.total_time, status.completed) == (
        0, 0, 0.0, 0.0, None)
    assert status.solver == ("standard" if text.strip() else None)


@settings(deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text):
    status = parse_sta(text)
    assert status.step >= 0 and status.increment >= 0


_ROWS = {(1, 1, 0.1, 0.1), (1, 2, 0.025, 0.125)}


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=len(STANDARD)))
def test_any_prefix_of_a_growing_file_gives_a_row_it_holds(cut):
    status = parse_sta(STANDARD[:cut])
    position = (status.step, status.increment, status.step_time, status.total_time)
    assert position == (0, 0, 0.0, 0.0) or position in _ROWS
    assert status.completed is None


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=len(EXPLICIT_CPU_MASS_SCALING)),
       st.sampled_from(["\n", "\x00", "\ufffd", "9" * 5000, "  1e999 "]))
def test_any_prefix_with_junk_never_raises(cut, junk):
    status = parse_sta(EXPLICIT_CPU_MASS_SCALING[:cut] + junk)
    assert status.increment in (0, 5000, 5001, 6200)


def test_long_digit_runs_stay_fast():
    """A garbled or cut line full of digits must not make the row patterns backtrack for ages."""
    lines = ["     5001  0.000E+00 1.000E-02 " + "9" * 50_000, "   1     2   1     0 " + "0" * 50_000]
    started = time.perf_counter()
    for line in lines:
        assert parse_sta(STANDARD + line).increment == 2
    assert time.perf_counter() - started < 1.0
