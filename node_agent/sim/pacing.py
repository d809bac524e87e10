"""The simulator's sense of time, kept apart from its file writing so tests can run it at any pace.

A Pacer spreads a run over equal ticks and sleeps in short slices, checking between them whether a
stop was requested (a signal handler sets that flag); it then raises Terminated, so the runner can
close the files as Abaqus does when it is terminated.
"""

from __future__ import annotations

import time
from collections.abc import Callable

SLICE_S = 0.05


class Terminated(Exception):
    """A stop was requested (SIGTERM, SIGINT, CTRL_BREAK) while the simulator was waiting."""


class Pacer:
    def __init__(self, stop_requested: Callable[[], bool], clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.seconds_per_tick = 0.0
        self.stop_requested = stop_requested
        self.clock = clock
        self.sleep = sleep
        self.started = clock()
        self._deadline = self.started

    def set_pace(self, total_seconds: float, ticks: int) -> None:
        """Spread `total_seconds` evenly over `ticks` ticks."""
        self.seconds_per_tick = total_seconds / max(1, ticks)

    def tick(self) -> None:
        """Wait until one more tick has passed since the previous one was due."""
        self._deadline += self.seconds_per_tick
        self._wait_until(self._deadline)

    def wait(self, seconds: float) -> None:
        """Wait `seconds` more (the licence queue), shifting later ticks by as much."""
        self._deadline = max(self._deadline, self.clock()) + seconds
        self._wait_until(self._deadline)

    def elapsed(self) -> float:
        return self.clock() - self.started

    def _wait_until(self, deadline: float) -> None:
        while True:
            if self.stop_requested():
                raise Terminated()
            left = deadline - self.clock()
            if left <= 0:
                return
            self.sleep(min(left, SLICE_S))
