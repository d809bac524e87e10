"""The usage history keeps the last hours of samples, oldest first."""

from __future__ import annotations

from scheduler.usage_history import UsageHistory, UsageSample


def sample(t: float, cores: int = 0) -> UsageSample:
    return UsageSample(t, cores, 8, 0, 0, 0, 0)


def test_it_keeps_the_samples_of_its_span_and_gives_those_since_a_time_then_the_use_now():
    now = [0.0]
    history = UsageHistory(lambda: sample(now[0], cores=int(now[0] // 60)), keep_s=300, every_s=60)  # five kept
    for t in range(0, 420, 60):
        now[0] = t
        history.sample()
    now[0] = 400
    assert [s.time for s in history.since(0)] == [120, 180, 240, 300, 360, 400]
    assert [s.cores_in_use for s in history.since(250)] == [5, 6, 6]
    assert [s.time for s in history.since(1000)] == [400]
