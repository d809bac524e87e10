"""Which waiting job a node takes next. Pure: it sees the queue and the node, and decides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    job_id: str
    cpus: int


def pick(queue: Iterable[Candidate], free_cpus: int) -> Candidate | None:
    """The first job in queue order whose cores fit in the node's free cores."""
    for candidate in queue:
        if candidate.cpus <= free_cpus:
            return candidate
    return None
