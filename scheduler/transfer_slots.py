"""Transfer slots: a node moves at most `per_node` jobs' files at once (and the cluster at most
`total`, when set), granted FIFO in the order asked.

A slot is a lease: its holder renews it while it moves bytes, and a slot not renewed within
`lease_s` lapses (its agent died) and goes to the next in line. Waiting is a long-poll; a waiter
that goes away (timeout or cancelled call) leaves the line without taking a slot, and a slot
granted to a waiter that has gone is passed on. Time comes from the injected `clock`; each wait
and each hold is also told to `on_wait(node, seconds)` / `on_hold(node, seconds)` (metrics).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Holder = tuple[str, int]  # (job id, attempt)
Observe = Callable[[str, float], None]


def _ignore(node: str, seconds: float) -> None:
    pass


@dataclass
class SlotStats:
    """How long a node's transfers waited for their slot and held it (seconds)."""

    grants: int = 0
    waiting: int = 0
    held: int = 0
    lapsed: int = 0
    wait_total_s: float = 0.0
    wait_max_s: float = 0.0
    hold_total_s: float = 0.0
    hold_max_s: float = 0.0


@dataclass
class _Held:
    node: str
    holder: Holder
    granted: float
    expires: float


@dataclass
class _Waiter:
    future: asyncio.Future[str]
    node: str
    holder: Holder
    asked: float


class TransferSlots:
    def __init__(self, per_node: int = 1, total: int = 0, lease_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, on_wait: Observe = _ignore,
                 on_hold: Observe = _ignore) -> None:
        if per_node < 1 or total < 0 or lease_s <= 0:
            raise ValueError("per_node must be at least 1, total at least 0, lease_s positive")
        self.per_node = per_node
        self.total = total
        self.lease_s = lease_s
        self.clock = clock
        self.on_wait = on_wait
        self.on_hold = on_hold
        self._held: dict[str, _Held] = {}
        self._line: deque[_Waiter] = deque()
        self._stats: dict[str, SlotStats] = {}
        self._ids = itertools.count(1)

    async def acquire(self, node: str, holder: Holder, timeout: float) -> str | None:
        """A slot id once it is this holder's turn; None if `timeout` passed first."""
        self.expire()
        for slot_id, held in self._held.items():
            if held.node == node and held.holder == holder:  # the holder asks again (a retried call)
                held.expires = self.clock() + self.lease_s
                return slot_id
        waiter = _Waiter(asyncio.get_running_loop().create_future(), node, holder, self.clock())
        self._line.append(waiter)
        self._grant()
        try:
            return await asyncio.wait_for(asyncio.shield(waiter.future), timeout)
        except asyncio.TimeoutError:
            return self._leave(waiter)
        except asyncio.CancelledError:
            granted = self._leave(waiter)
            if granted is not None:  # nobody is left to use it: pass it on
                self.release(node, granted)
            raise

    def _leave(self, waiter: _Waiter) -> str | None:
        """Leave the line; a slot granted at the very moment of leaving is kept, not lost."""
        if waiter.future.done():
            return waiter.future.result()
        waiter.future.cancel()
        self._line = deque(w for w in self._line if w is not waiter)
        return None

    def renew(self, node: str, slot_id: str) -> bool:
        """Extend the lease; False when the slot is not this node's any more (it lapsed)."""
        self.expire()
        held = self._held.get(slot_id)
        if held is None or held.node != node:
            return False
        held.expires = self.clock() + self.lease_s
        return True

    def release(self, node: str, slot_id: str) -> bool:
        held = self._held.get(slot_id)
        released = held is not None and held.node == node
        if released:
            self._drop(slot_id)
        self._grant()
        return released

    def release_job(self, node: str, job_id: str) -> None:
        """Free whatever slot a job holds (it ended, or its attempt was replaced)."""
        for slot_id, held in list(self._held.items()):
            if held.node == node and held.holder[0] == job_id:
                self._drop(slot_id)
        self._grant()

    def expire(self) -> list[str]:
        """Take back every slot whose lease lapsed; their ids."""
        now = self.clock()
        lapsed = [slot_id for slot_id, held in self._held.items() if held.expires <= now]
        for slot_id in lapsed:
            self._stats_of(self._held[slot_id].node).lapsed += 1
            self._drop(slot_id)
        if lapsed:
            self._grant()
        return lapsed

    def holds(self, node: str, holder: Holder) -> bool:
        return any(held.node == node and held.holder == holder for held in self._held.values())

    def holders(self, node: str) -> list[Holder]:
        return [held.holder for held in self._held.values() if held.node == node]

    def stats(self, node: str) -> SlotStats:
        s = self._stats_of(node)
        s.waiting = sum(1 for w in self._line if w.node == node and not w.future.done())
        s.held = sum(1 for held in self._held.values() if held.node == node)
        return s

    def _stats_of(self, node: str) -> SlotStats:
        return self._stats.setdefault(node, SlotStats())

    def _drop(self, slot_id: str) -> None:
        held = self._held.pop(slot_id)
        s = self._stats_of(held.node)
        hold = self.clock() - held.granted
        s.hold_total_s += hold
        s.hold_max_s = max(s.hold_max_s, hold)
        self.on_hold(held.node, hold)

    def _grant(self) -> None:
        per_node: dict[str, int] = {}
        for held in self._held.values():
            per_node[held.node] = per_node.get(held.node, 0) + 1
        waiting: deque[_Waiter] = deque()
        now = self.clock()
        for w in self._line:
            if w.future.done():
                continue
            if (self.total and len(self._held) >= self.total) or per_node.get(w.node, 0) >= self.per_node:
                waiting.append(w)
                continue
            slot_id = f"{w.node}/{next(self._ids)}"
            self._held[slot_id] = _Held(w.node, w.holder, now, now + self.lease_s)
            per_node[w.node] = per_node.get(w.node, 0) + 1
            s = self._stats_of(w.node)
            s.grants += 1
            s.wait_total_s += now - w.asked
            s.wait_max_s = max(s.wait_max_s, now - w.asked)
            self.on_wait(w.node, now - w.asked)
            w.future.set_result(slot_id)
        self._line = waiting
