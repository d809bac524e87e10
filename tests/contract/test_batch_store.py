"""Every backend keeps batches the same way: a request id used twice gives the first batch, updates
are conditional on the version, listings are newest first and filtered by owner or team."""

from __future__ import annotations

from scheduler.domain.batch import Batch


def make_batch(i: int, owner: str = "ana", team: str = "", request_id: str = "") -> Batch:
    return Batch(id=f"batch-{i:03d}", name=f"study{i}", owner=owner, team=team, parallelism=3, expected_jobs=20,
                 create_time=1000.0 + i, request_id=request_id)


def test_insert_then_get_returns_the_batch_at_version_1(store):
    assert store.insert_batch(make_batch(1)) is None
    assert store.get_batch("batch-001") == make_batch(1).evolve(version=1)
    assert store.get_batch("nope") is None


def test_a_request_id_used_twice_returns_the_first_batch_and_stores_nothing(store):
    store.insert_batch(make_batch(1, request_id="r1"))
    again = store.insert_batch(make_batch(2, request_id="r1"))
    assert again is not None and again.id == "batch-001"
    assert store.get_batch("batch-002") is None
    assert store.insert_batch(make_batch(3, owner="bob", request_id="r1")) is None  # per owner


def test_updates_are_conditional_on_the_version(store):
    store.insert_batch(make_batch(1))
    first = store.get_batch("batch-001")
    grown = store.update_batch(first.evolve(job_ids=("j1", "j2")))
    assert grown is not None and grown.version == 2 and store.get_batch("batch-001").job_ids == ("j1", "j2")
    assert store.update_batch(first.evolve(cancelled=True)) is None  # a stale version writes nothing
    assert store.get_batch("batch-001") == grown


def test_listing_is_newest_first_and_filters_by_owner_or_team(store):
    store.insert_batch(make_batch(1, owner="ana", team="crash"))
    store.insert_batch(make_batch(2, owner="bob", team="crash"))
    store.insert_batch(make_batch(3, owner="cy", team="nvh"))
    assert [b.id for b in store.list_batches()] == ["batch-003", "batch-002", "batch-001"]
    assert [b.id for b in store.list_batches(owner="ana")] == ["batch-001"]
    assert [b.id for b in store.list_batches(owner="cy", team="crash")] == ["batch-003", "batch-002", "batch-001"]
    assert [b.id for b in store.list_batches(limit=2)] == ["batch-003", "batch-002"]
