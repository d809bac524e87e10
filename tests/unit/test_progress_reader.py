"""ProgressReader: each read takes only what the solver's files gained since the last one, keeps
what it parsed, waits for a half-written line's end, and starts over on a replaced or truncated file."""

from __future__ import annotations

import os
import time

import pytest

from node_agent.inp import Step
from node_agent.progress_reader import ProgressReader, read_progress

HEAD = ("Abaqus/Standard 2024                      DATE 02-Mar-2025 TIME 09:14:51\n"
        " SUMMARY OF JOB INFORMATION:\n")
STEPS = [Step("static", 1.0), Step("static", 1.0)]


def row(step: int, inc: int, step_time: float) -> str:
    total = step - 1 + step_time
    return f"   {step}     {inc}   1     0     2     2  {total:.3f}      {step_time:.3f}      0.1000\n"


def append(path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def test_a_half_written_row_waits_for_its_end(tmp_path):
    sta = tmp_path / "beam.sta"
    sta.write_text(HEAD + row(1, 1, 0.1))
    reader = ProgressReader(tmp_path, "beam", STEPS)
    assert (reader.read().increment, reader.read().step_fraction) == (1, pytest.approx(0.1))
    whole = row(1, 2, 0.3)
    append(sta, whole[:38])  # cut inside the step-time column
    assert reader.read().increment == 1
    append(sta, whole[38:])
    p = reader.read()
    assert (p.increment, p.step_fraction) == (2, pytest.approx(0.3))
    append(sta, row(2, 3, 0.5) + " THE ANALYSIS HAS COMPLETED SUCCESSFULLY")  # no line end yet
    assert reader.read().overall_fraction == 1.0
    append(sta, "\n")
    assert reader.read() == read_progress(tmp_path, "beam", STEPS)
    assert reader.read().overall_fraction == 1.0


def test_what_was_parsed_before_still_counts(tmp_path):
    """An Explicit step header read in one poll names the step of the rows read in later ones."""
    sta = tmp_path / "crash.sta"
    sta.write_text(" STEP 1  ORIGIN 0.0000\n"
                   "        0  0.000E+00 0.000E+00  00:00:00 1.819E-06           1  0.000E+00  0.000E+00\n"
                   " STEP 2  ORIGIN 1.0000E-02\n")
    reader = ProgressReader(tmp_path, "crash", [Step("explicit", 0.01), Step("explicit", 0.01)])
    assert reader.read().step == 1  # no row of step 2 yet
    append(sta, "     6200  5.000E-03 1.500E-02  00:02:10 2.000E-06          12  2.900E+01  2.100E-01\n")
    p = reader.read()
    assert (p.step, p.increment, p.step_fraction, p.overall_fraction) == (2, 6200, 0.5, 0.75)
    assert reader.sta_file.offset == sta.stat().st_size


def test_a_replaced_or_truncated_file_is_read_again_from_the_start(tmp_path):
    sta = tmp_path / "beam.sta"
    sta.write_text(HEAD + "".join(row(1, i, i / 10) for i in range(1, 6)) + row(2, 6, 0.2))
    reader = ProgressReader(tmp_path, "beam", STEPS)
    assert reader.read().step == 2
    new = tmp_path / "beam.sta.new"  # a rerun: the old files deleted, a new .sta begins
    new.write_text(HEAD.replace("09:14:51", "11:02:07") + row(1, 1, 0.1))
    os.replace(new, sta)
    assert (reader.read().step, reader.read().increment) == (1, 1)
    append(sta, "".join(row(1, i, i / 10) for i in range(2, 9)))
    assert reader.read().increment == 8
    sta.write_text(HEAD + row(1, 1, 0.1))  # truncated in place and written again
    assert reader.read().increment == 1
    sta.unlink()
    assert reader.read().step == 0  # gone: nothing to say
    sta.write_text(HEAD + row(1, 2, 0.2))
    assert reader.read().increment == 2


def test_the_msg_and_the_log_are_followed_too(tmp_path):
    (tmp_path / "beam.sta").write_text(HEAD + row(1, 1, 0.25))
    (tmp_path / "beam.log").write_text('"standard" license request queued for the License Server on lic01.\n')
    reader = ProgressReader(tmp_path, "beam", STEPS)
    p = reader.read()
    assert p.waiting_for_license and p.increment == 1
    append(tmp_path / "beam.log", "Abaqus/Standard checked out 16 tokens from Flexnet server lic01.\n")
    (tmp_path / "beam.msg").write_text(" S T E P       1     S T A T I C   A N A L Y S I S\n")
    assert reader.read().waiting_for_license is False
    append(tmp_path / "beam.msg", " INCREMENT     3 STARTS. ATTEMPT NUMBER  1, TIME INCREMENT  0.100\n"
                                  "   TIME INCREMENT COMPLETED  0.100    ,  FRACTION OF STEP COMPLETED  0.600\n")
    p = reader.read()
    assert (p.step, p.increment, p.step_fraction) == (1, 3, pytest.approx(0.6))  # the .msg is ahead


def test_a_long_sta_costs_its_new_rows_not_its_length(tmp_path):
    """100k rows: the first read takes them all once; each later poll only the row or two added."""
    sta = tmp_path / "beam.sta"
    sta.write_text(HEAD + "".join(row(1, i, 0.5) for i in range(1, 100_001)))
    reader = ProgressReader(tmp_path, "beam", STEPS)
    assert reader.read().increment == 100_000
    started = time.process_time()
    for i in range(100_001, 100_021):
        append(sta, row(1, i, 0.5))
        assert reader.read().increment == i
    assert time.process_time() - started < 0.5  # a full re-read costs about that much each time
