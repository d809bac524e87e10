"""node_agent.progress: fractions from steps and .sta, the licence queue from the log."""

from __future__ import annotations

import pytest

from node_agent.inp import Step
from node_agent.progress import (
    MsgPosition,
    ProgressSnapshot,
    compute_progress,
    msg_position,
    waiting_for_license,
)
from node_agent.progress_reader import read_progress
from node_agent.sta import StaStatus

TWO_STATIC = [Step("static", 1.0), Step("static", 3.0)]


def sta(step: int, step_time: float, increment: int = 4, completed: bool | None = None) -> StaStatus:
    return StaStatus("standard", step, increment, step_time, 0.0, completed)


def test_first_step_halfway():
    assert compute_progress(TWO_STATIC, sta(1, 0.5)) == ProgressSnapshot(1, 2, 4, 0.5, 0.125, False)


def test_second_step_counts_the_finished_period():
    snapshot = compute_progress(TWO_STATIC, sta(2, 1.5))
    assert (snapshot.step, snapshot.step_fraction) == (2, 0.5)
    assert snapshot.overall_fraction == pytest.approx((1.0 + 1.5) / 4.0)


def test_nothing_started():
    assert compute_progress(TWO_STATIC, StaStatus()) == ProgressSnapshot(0, 2, 0, 0.0, 0.0, False)


def test_completed_is_everything():
    snapshot = compute_progress(TWO_STATIC, sta(2, 3.0, completed=True))
    assert (snapshot.step_fraction, snapshot.overall_fraction) == (1.0, 1.0)


def test_not_completed_stays_where_it_stopped():
    snapshot = compute_progress(TWO_STATIC, sta(2, 0.75, completed=False))
    assert snapshot.overall_fraction == pytest.approx(1.75 / 4.0)


def test_perturbation_steps_are_whole_units():
    steps = [Step("static", 2.0), Step("frequency", None), Step("static", 2.0)]
    during_frequency = compute_progress(steps, sta(2, 1e-36))
    assert during_frequency.step_fraction == 0.0
    assert during_frequency.overall_fraction == pytest.approx(2.0 / 5.0)
    after_frequency = compute_progress(steps, sta(3, 1.0))
    assert after_frequency.overall_fraction == pytest.approx((2.0 + 1.0 + 1.0) / 5.0)


def test_riks_load_factor_is_not_time():
    steps = [Step("riks", 1.0), Step("static", 1.0)]
    in_riks = compute_progress(steps, sta(1, 0.8))  # LPF 0.8 says nothing about how far the step is
    assert (in_riks.step_fraction, in_riks.overall_fraction) == (0.0, 0.0)
    assert compute_progress(steps, sta(2, 0.5)).overall_fraction == pytest.approx(0.75)


def test_fractions_are_clamped():
    snapshot = compute_progress([Step("static", 1.0)], sta(1, 1.0000001))
    assert (snapshot.step_fraction, snapshot.overall_fraction) == (1.0, 1.0)
    assert compute_progress([Step("static", 1.0)], sta(1, -0.5)).overall_fraction == 0.0


def test_a_step_beyond_the_parsed_input_counts_as_a_unit():
    snapshot = compute_progress([], sta(2, 0.3))
    assert (snapshot.total_steps, snapshot.step_fraction, snapshot.overall_fraction) == (2, 0.0, 0.5)


def test_explicit_step_time():
    steps = [Step("explicit", 0.002)]
    status = StaStatus("explicit", 1, 1405, 0.0005, 0.0005, None)
    assert compute_progress(steps, status).overall_fraction == pytest.approx(0.25)


QUEUED = '"standard" license request queued for the License Server on lic01.example.com.'
CHECKED_OUT = "Abaqus/Standard checked out 16 tokens from Flexnet server lic01.example.com."


@pytest.mark.parametrize(("log", "waiting"), [
    ("", False),
    (f"Abaqus JOB a\n{QUEUED}\nTotal time in queue: 30 seconds.\n", True),
    (f"{QUEUED}\nTotal time in queue: 30 seconds.\n{CHECKED_OUT}\n", False),
    (f"{CHECKED_OUT}\n{QUEUED}\n", True),
    (f"{QUEUED}\nTime limit of in queue has been exceeded. Exiting.\n"
     "Abaqus Error: Error checking out Abaqus license.\n", False),
])
def test_waiting_for_license(log, waiting):
    assert waiting_for_license(log) is waiting
    assert compute_progress(TWO_STATIC, StaStatus(), log).waiting_for_license is waiting


MSG = """
                        S T E P      1     S T A T I C   A N A L Y S I S

 INCREMENT     1 STARTS. ATTEMPT NUMBER  1, TIME INCREMENT  0.500
   TIME INCREMENT COMPLETED  0.500    ,  FRACTION OF STEP COMPLETED  0.250
   STEP TIME COMPLETED       0.500    ,  TOTAL TIME COMPLETED        0.500

                        S T E P      2     S T A T I C   A N A L Y S I S

 INCREMENT     3 STARTS. ATTEMPT NUMBER  2, TIME INCREMENT  0.100
   TIME INCREMENT COMPLETED  0.100    ,  FRACTION OF STEP COMPLETED  0.600
   STEP TIME COMPLETED       0.600    ,  TOTAL TIME COMPLETED        2.60
"""


def test_the_msg_gives_step_increment_and_fraction():
    assert msg_position(MSG) == MsgPosition(2, 3, 0.6)
    assert msg_position("no steps yet") is None
    assert msg_position(MSG.split("S T E P      2")[0] + "S T E P      2 \n") is None  # no increment in step 2


def test_progress_follows_the_msg_where_the_sta_lags(tmp_path):
    (tmp_path / "beam.sta").write_text(
        " SUMMARY OF JOB INFORMATION:\n"
        "   1     1   1     0     2     2  0.500      0.500      0.5000\n")
    (tmp_path / "beam.msg").write_text(MSG)
    p = read_progress(tmp_path, "beam", [Step("static", 2.0), Step("static", 1.0)])
    assert (p.step, p.increment, p.step_fraction) == (2, 3, pytest.approx(0.6))
    assert p.overall_fraction == pytest.approx((2.0 + 0.6) / 3.0)
    (tmp_path / "beam.msg").write_text(MSG.split("S T E P      2")[0])  # the .sta is not behind
    assert read_progress(tmp_path, "beam", [Step("static", 2.0), Step("static", 1.0)]).step == 1
