"""Read, change, write back conditionally, and try again on a lost race: what every stored thing
(a job, a batch, a settings document) is changed by."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .domain.errors import Conflict
from .store import JobStore

MAX_RACES = 8
T = TypeVar("T")


def change_stored(read: Callable[[], T], change: Callable[[T], T], write: Callable[[T], T | None],
                  what: str) -> tuple[T, T]:
    """(what was read, what is stored now): `change` applied to what `read` gives (it may raise),
    written by `write` (None: a lost race, read again); nothing is written when nothing changed."""
    for _ in range(MAX_RACES):
        current = read()
        changed = change(current)
        if changed == current:
            return current, current
        stored = write(changed)
        if stored is not None:
            return current, stored
    raise Conflict(f"{what} is changing too fast; try again")


Setting = tuple[dict, int]  # a settings document and its version (0: not written yet)


def change_setting(store: JobStore, name: str, change: Callable[[dict], dict], what: str) -> dict:
    """The named settings document (empty before it was first written) changed by `change`."""
    def read() -> Setting:
        return store.get_setting(name) or ({}, 0)

    def write(setting: Setting) -> Setting | None:
        return (setting[0], setting[1] + 1) if store.put_setting(name, *setting) else None

    return change_stored(read, lambda s: (change(s[0]), s[1]), write, what)[1][0]
