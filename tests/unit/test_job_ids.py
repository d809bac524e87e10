"""Job ids are UUIDv7s as 32 hex digits: later jobs sort later, and no two are alike."""

from __future__ import annotations

import uuid

from scheduler.submission import time_ordered_id


def test_job_ids_are_uuid7s_that_sort_by_creation_time():
    ids = [time_ordered_id(1_800_000_000.0 + k / 4) for k in range(2000)]  # exact milliseconds apart
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    first = uuid.UUID(ids[0])
    assert len(ids[0]) == 32 and first.version == 7 and first.variant == uuid.RFC_4122
    assert first.int >> 80 == 1_800_000_000_000  # the milliseconds of its creation
    same_instant = {time_ordered_id(1_800_000_000.0) for _ in range(1000)}
    assert len(same_instant) == 1000  # the random part tells them apart
