"""Caches that keep the most recently used entries."""

from __future__ import annotations

from collections import OrderedDict


def keep_newest(cache: OrderedDict, key: str, value: object, most: int) -> None:
    """Put `key` in `cache` as its newest entry, dropping the least recently used past `most`."""
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > most:
        cache.popitem(last=False)
