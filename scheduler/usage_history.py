"""What the cluster used over the last hours (cores, license tokens, jobs waiting and running), one
sample a minute, kept in memory for the dashboard's queue panel: a restart starts it afresh."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

KEEP_S = 6 * 3600.0
EVERY_S = 60.0


@dataclass(frozen=True)
class UsageSample:
    time: float
    cores_in_use: int
    cores_total: int
    tokens_in_use: int
    tokens_total: int  # 0: tokens are not counted
    waiting: int
    running: int


class UsageHistory:
    def __init__(self, measure: Callable[[], UsageSample], keep_s: float = KEEP_S, every_s: float = EVERY_S) -> None:
        """`measure()`: the use now."""
        self.measure, self.every_s = measure, every_s
        self._samples: deque[UsageSample] = deque(maxlen=max(1, int(keep_s / every_s)))

    def sample(self) -> None:
        self._samples.append(self.measure())

    def since(self, start: float) -> list[UsageSample]:
        """The samples taken at `start` or later, oldest first, and the use now."""
        return [s for s in self._samples if s.time >= start] + [self.measure()]
