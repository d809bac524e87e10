"""New writes gathered into one store call, one transaction (a group commit), on the event loop.

gRPC takes calls one at a time, so writes that arrive together come a turn of the loop or more
apart: a write that follows another within GATHER_S waits up to GATHER_S for more to join it,
up to MAX_GROUP. The first write after a quiet spell goes at once: an idle scheduler adds no
wait, a busy one shares each transaction's pages (and its commit) between many jobs."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
GATHER_S = 0.01
MAX_GROUP = 64


class GroupCommit(Generic[Item, Result]):
    def __init__(self, write_all: Callable[[Sequence[Item]], Sequence[Result | Exception]],
                 gather_s: float = GATHER_S, max_group: int = MAX_GROUP) -> None:
        """`write_all(items)`: the items written, in one transaction where it can, a result for
        each in order (an exception: that item's write failed); it raises if none was written."""
        self._write_all = write_all
        self._gather_s = gather_s
        self._max = max_group
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._due: asyncio.Handle | None = None
        self._written_at = -math.inf  # loop time of the last write

    async def write(self, item: Item) -> Result:
        """`item` written, with the others gathered meanwhile: its result. A caller cancelled while
        it waits does not stop the write (what follows a write must not depend on its caller:
        see asyncio.shield)."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._pending.append((item, done))
        if len(self._pending) >= self._max:
            self._flush()
        elif self._due is None:
            busy = loop.time() - self._written_at < self._gather_s
            self._due = loop.call_later(self._gather_s, self._flush) if busy else loop.call_soon(self._flush)
        return await asyncio.shield(done)

    def _flush(self) -> None:
        if self._due is not None:
            self._due.cancel()
            self._due = None
        group, self._pending = self._pending, []
        try:
            results = self._write_all([item for item, _ in group])
        except Exception as e:  # noqa: BLE001 - every writer of the group hears it
            results = [e] * len(group)
        self._written_at = asyncio.get_running_loop().time()
        for (_, done), result in zip(group, results, strict=True):
            if isinstance(result, Exception):
                done.set_exception(result)
            else:
                done.set_result(result)
