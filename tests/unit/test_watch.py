"""Time left, stalls and overruns from a run's snapshots, with a clock the test moves."""

from __future__ import annotations

import os

import psutil
import pytest

from node_agent.progress import ProgressSnapshot
from node_agent.watch import RunWatch, TreeUsage


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def snap(increment: int, fraction: float, waiting: bool = False, step: int = 1) -> ProgressSnapshot:
    return ProgressSnapshot(step, 2, increment, fraction, fraction, waiting)


def test_time_left_counts_from_when_solving_started_not_from_the_license_queue():
    clock = Clock()
    watch = RunWatch(stall_after_s=600, clock=clock)
    assert watch.update(snap(0, 0.0, waiting=True)) == (None, "")
    clock.now += 3600  # an hour in the license queue does not count
    assert watch.update(snap(1, 0.1)) == (None, "")  # the start: nothing to judge yet
    clock.now += 100
    left, warning = watch.update(snap(2, 0.2))
    assert left == pytest.approx(800) and warning == ""  # 0.1 in 100 s: 0.8 more in 800 s


def test_no_new_increment_for_the_stall_time_warns_until_it_moves_again():
    clock = Clock()
    watch = RunWatch(stall_after_s=600, clock=clock)
    watch.update(snap(1, 0.1))
    clock.now += 599
    assert watch.update(snap(1, 0.1))[1] == ""
    clock.now += 2
    assert "no new increment for 10 min" in watch.update(snap(1, 0.1))[1]
    assert watch.update(snap(2, 0.12))[1] == ""  # it moved


def test_running_past_twice_the_first_estimate_warns():
    clock = Clock()
    watch = RunWatch(stall_after_s=0, clock=clock)
    watch.update(snap(1, 0.0))
    clock.now += 100
    watch.update(snap(2, 0.1))  # first estimate: 1000 s in all
    increment = 2
    while clock.now - 1000 <= 2000:
        clock.now += 100
        increment += 1
        left, warning = watch.update(snap(increment, 0.1 + increment * 0.001))
    assert "more than twice" in warning and left > 0


def test_tree_usage_sums_cpu_and_memory_of_live_processes():
    usage = TreeUsage()
    assert usage.sample([psutil.Process(os.getpid())])[0] == 0.0  # the first sample sets the baseline
    sum(i * i for i in range(2_000_000))  # CPU spent between two samples
    cpu, memory = usage.sample([psutil.Process(os.getpid())])  # a new object for the same pid
    assert cpu > 0 and memory > 0
