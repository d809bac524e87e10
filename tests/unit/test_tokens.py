"""TokenBook on a real SQLite store, with the clock and the randomness under the test's control."""

from __future__ import annotations

import stat

import pytest

from scheduler.domain.errors import InvalidArgument, NotFound
from scheduler.domain.identity import Port, Principal, Role
from scheduler.store import SqliteStore
from scheduler.tokens import CACHE_S, TokenBook

ANA = Principal("ana", Role.DEVELOPER, "crash")
NODE = Principal("node-7", Role.NODE)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(tmp_path, clock):
    store = SqliteStore(tmp_path / "store.sqlite3")
    yield TokenBook(store, clock=clock)
    store.close()


def test_a_token_has_at_least_128_random_bits_and_is_stored_only_as_a_hash(book, tmp_path):
    secret, record = book.create(ANA, description="laptop")
    assert secret.startswith("abq_") and len(secret) - 4 >= 32  # hex of >= 16 bytes
    assert book.principal_of(secret, Port.SUBMISSION) == ANA
    assert secret[4:] not in (tmp_path / "store.sqlite3").read_bytes().decode("latin-1")
    assert record.token_hash != secret


def test_wrong_expired_revoked_and_wrong_port_tokens_do_not_authenticate(book, clock):
    secret, record = book.create(ANA, ttl_s=60)
    node_secret, _ = book.create(NODE)
    assert book.principal_of(secret + "x", Port.SUBMISSION) is None
    assert book.principal_of("not-a-token", Port.SUBMISSION) is None
    assert book.principal_of(secret, Port.EXECUTION) is None
    assert book.principal_of(node_secret, Port.SUBMISSION) is None
    assert book.principal_of(node_secret, Port.EXECUTION) == NODE
    clock.now += 60
    assert book.principal_of(secret, Port.SUBMISSION) is None  # expired
    book.renew(record.token_id, 3600)
    assert book.principal_of(secret, Port.SUBMISSION) == ANA  # renewed
    book.revoke(record.token_id)
    assert book.principal_of(secret, Port.SUBMISSION) is None
    book.renew(record.token_id, 3600)
    assert book.principal_of(secret, Port.SUBMISSION) is None  # renewing does not un-revoke


@pytest.mark.parametrize(("principal", "ttl", "description", "field"), [
    (Principal("", Role.GUEST), None, "", "user"),
    (Principal("ana smith", Role.GUEST), None, "", "user"),
    (Principal("ana", Role.GUEST, "a/b"), None, "", "team"),
    (ANA, 0, "", "ttl"),
    (ANA, -5, "", "ttl"),
    (ANA, None, "x" * 201, "description"),
    (ANA, None, "line\nbreak", "description"),
])
def test_bad_token_requests_name_the_field_and_store_nothing(book, principal, ttl, description, field):
    with pytest.raises(InvalidArgument) as e:
        book.create(principal, ttl_s=ttl, description=description)
    assert e.value.field == field
    assert book.list() == []


def test_unknown_ids_are_not_found(book):
    for call in (book.get, book.revoke, lambda i: book.renew(i, 60)):
        with pytest.raises(NotFound):
            call("0123456789abcdef")
        with pytest.raises(NotFound):
            call("")


def test_a_repeating_random_source_cannot_mint_the_same_token_twice(tmp_path, clock):
    store = SqliteStore(tmp_path / "s.sqlite3")
    try:
        book = TokenBook(store, clock=clock, random_bytes=lambda n: b"\x01" * n)
        book.create(ANA)
        with pytest.raises(RuntimeError):
            book.create(ANA)
        assert len(book.list()) == 1
        with pytest.raises(ValueError):
            TokenBook(store, entropy_bytes=8)
    finally:
        store.close()


def test_bootstrap_writes_one_admin_token_readable_only_by_its_user(book, tmp_path):
    path = tmp_path / "secrets" / "admin.token"
    secret = book.bootstrap(path)
    assert path.read_text().strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert book.principal_of(secret, Port.SUBMISSION).role is Role.ADMIN
    assert book.bootstrap(path) is None  # not on a store that has tokens
    assert [r.principal.role for r in book.list()] == [Role.ADMIN]


def test_tokens_are_listed_per_user_oldest_first(book, clock):
    for i, user in enumerate(("ana", "ben", "ana")):
        clock.now += 1
        book.create(Principal(user, Role.DEVELOPER), description=f"t{i}")
    assert [r.description for r in book.list("ana")] == ["t0", "t2"]
    assert len(book.list()) == 3


def test_a_token_read_answers_for_a_moment_and_this_schedulers_own_changes_count_at_once(book, clock):
    secret, record = book.create(ANA)
    other = TokenBook(book.store, clock=clock)  # another scheduler on the same store
    assert other.principal_of(secret, Port.SUBMISSION) == ANA
    book.revoke(record.token_id)
    assert book.principal_of(secret, Port.SUBMISSION) is None  # here: at once
    assert other.principal_of(secret, Port.SUBMISSION) == ANA  # there: as read a moment ago
    clock.now += CACHE_S
    assert other.principal_of(secret, Port.SUBMISSION) is None  # and refused once it reads again
