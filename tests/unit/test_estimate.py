"""The estimated start time of a waiting job."""

from __future__ import annotations

from scheduler.domain.estimate import MAX_AHEAD, start_time, typical_run


def test_a_job_first_in_line_starts_when_the_first_running_job_ends():
    assert start_time(1000.0, 0, [300.0, 60.0], 0, typical_s=None) == 1060.0


def test_jobs_ahead_each_take_a_slot_for_the_typical_run():
    # two slots free at 60 and 300; three jobs ahead of 100 s each: 60->160, 160->260, 260->360; then 300
    assert start_time(0.0, 3, [300.0, 60.0], 0, typical_s=100.0) == 300.0
    assert start_time(0.0, 0, [], 2, typical_s=None) == 0.0  # a free slot: now


def test_no_basis_no_guess():
    assert start_time(0.0, 1, [50.0], 0, typical_s=None) is None  # a job ahead, no past runs
    assert start_time(0.0, 0, [None], 0, typical_s=None) is None  # running, nothing known of it
    assert start_time(0.0, 0, [], 0, typical_s=100.0) is None  # nothing runs, no slot: no basis
    assert start_time(0.0, MAX_AHEAD + 1, [1.0], 0, typical_s=1.0) is None


def test_typical_run_is_the_median():
    assert typical_run([]) is None
    assert typical_run([10.0, 1000.0, 20.0]) == 20.0
