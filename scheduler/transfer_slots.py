"""Transfer slots: a node moves at most `per_node` jobs' files at once, granted FIFO.

Waiting for a slot is a long-poll; a waiter that goes away (timeout or cancelled call) leaves the
line without taking a slot, and a slot granted to a waiter that has gone is passed on.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass, field


@dataclass
class _NodeSlots:
    held: dict[str, tuple[str, int]] = field(default_factory=dict)  # slot id -> (job id, attempt)
    line: deque[tuple[asyncio.Future[str], tuple[str, int]]] = field(default_factory=deque)


class TransferSlots:
    def __init__(self, per_node: int = 1) -> None:
        self.per_node = per_node
        self._nodes: dict[str, _NodeSlots] = {}
        self._ids = itertools.count(1)

    def _node(self, name: str) -> _NodeSlots:
        return self._nodes.setdefault(name, _NodeSlots())

    async def acquire(self, node: str, holder: tuple[str, int], timeout: float) -> str | None:
        """A slot id once it is this holder's turn; None if `timeout` passed first."""
        slots = self._node(node)
        for slot_id, held_by in slots.held.items():
            if held_by == holder:  # the holder asks again (a retried call): same slot
                return slot_id
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        slots.line.append((future, holder))
        self._grant(node)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            return self._leave(node, future)
        except asyncio.CancelledError:
            granted = self._leave(node, future)
            if granted is not None:  # nobody is left to use it: pass it on
                self.release(node, granted)
            raise

    def _leave(self, node: str, future: asyncio.Future[str]) -> str | None:
        """Leave the line; a slot granted at the very moment of leaving is kept, not lost."""
        if future.done():
            return future.result()
        future.cancel()
        slots = self._node(node)
        slots.line = deque(entry for entry in slots.line if entry[0] is not future)
        return None

    def release(self, node: str, slot_id: str) -> bool:
        released = self._node(node).held.pop(slot_id, None) is not None
        self._grant(node)
        return released

    def release_job(self, node: str, job_id: str) -> None:
        """Free whatever slot a job holds (it ended, or its attempt was replaced)."""
        slots = self._node(node)
        for slot_id, (held_job, _) in list(slots.held.items()):
            if held_job == job_id:
                del slots.held[slot_id]
        self._grant(node)

    def holders(self, node: str) -> list[tuple[str, int]]:
        return list(self._node(node).held.values())

    def _grant(self, node: str) -> None:
        slots = self._node(node)
        while slots.line and len(slots.held) < self.per_node:
            future, holder = slots.line.popleft()
            if future.done():
                continue
            slot_id = f"{node}/{next(self._ids)}"
            slots.held[slot_id] = holder
            future.set_result(slot_id)
