"""Which waiting job a node takes next. Pure: it sees the queue and the node, and decides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    job_id: str
    cpus: int
    owner: str = ""
    owner_limit: int | None = None  # most jobs the owner may have started at once


def pick(queue: Iterable[Candidate], free_cpus: int, started: Mapping[str, int] | None = None) -> Candidate | None:
    """The first job in queue order whose cores fit in the node's free cores and whose owner
    has fewer jobs started (`started`, by owner) than the owner's limit."""
    started = started or {}
    for candidate in queue:
        if candidate.cpus > free_cpus:
            continue
        if candidate.owner_limit is not None and started.get(candidate.owner, 0) >= candidate.owner_limit:
            continue
        return candidate
    return None
