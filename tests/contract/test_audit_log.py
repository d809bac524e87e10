"""The audit log contract: every backend must pass every test here."""

from __future__ import annotations

from scheduler.domain.audit import MAX_DETAIL, AuditEntry


def entry(i: int, **kw) -> AuditEntry:
    fields = dict(time=1000.0 + i, user=f"u{i}", role="developer", port="submission",
                  method="/abaqueue.v1.SubmissionService/GetJob", code="PERMISSION_DENIED", detail=f"d{i}")
    fields.update(kw)
    return AuditEntry(**fields)


def test_entries_come_back_newest_first_up_to_the_limit(store):
    for i in range(5):
        store.append_audit(entry(i))
    assert store.audit_entries(limit=3) == [entry(4), entry(3), entry(2)]
    assert len(store.audit_entries()) == 5


def test_entries_at_the_same_time_keep_their_order_and_long_details_are_cut(store):
    store.append_audit(entry(1, time=5.0, user="first"))
    store.append_audit(entry(2, time=5.0, user="second", detail="x" * 10_000))
    newest, oldest = store.audit_entries()
    assert (newest.user, oldest.user) == ("second", "first")
    assert len(newest.detail) == MAX_DETAIL + 1


def test_entries_written_together_keep_their_order(store):
    store.append_audit(*(entry(i, time=7.0) for i in range(30)))  # more than one DynamoDB batch
    assert [e.user for e in store.audit_entries(limit=100)] == [f"u{i}" for i in reversed(range(30))]
