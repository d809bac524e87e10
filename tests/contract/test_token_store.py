"""The token store contract: every backend must pass every test here."""

from __future__ import annotations

from dataclasses import replace

from scheduler.domain.identity import Principal, Role, TokenRecord, hash_token


def token(secret: str, user: str = "ana", role: Role = Role.DEVELOPER, created: float = 1000.0, **kw) -> TokenRecord:
    return TokenRecord(hash_token(secret), Principal(user, role, "crash"), created=created, **kw)


def test_a_token_comes_back_by_hash_and_by_id(store):
    rec = token("s1", expires=2000.0, description="laptop")
    assert store.add_token(rec) is True
    assert store.get_token(rec.token_hash) == rec
    assert store.find_token(rec.token_id) == rec
    assert store.get_token(hash_token("other")) is None and store.find_token("0" * 16) is None


def test_the_same_token_is_not_added_twice(store):
    rec = token("s1")
    store.add_token(rec)
    assert store.add_token(replace(rec, principal=Principal("eve", Role.ADMIN))) is False
    assert store.get_token(rec.token_hash) == rec


def test_tokens_are_listed_oldest_first_and_by_user(store):
    records = [token("a", "ana", created=3.0), token("b", "ben", Role.LEAD, created=1.0),
               token("c", "ana", created=2.0), token("n", "node-1", Role.NODE, created=4.0)]
    for r in records:
        store.add_token(r)
    assert [r.principal.user for r in store.list_tokens()] == ["ben", "ana", "ana", "node-1"]
    assert [r.created for r in store.list_tokens("ana")] == [2.0, 3.0]
    assert store.list_tokens("nobody") == []


def test_revoke_and_renew_replace_an_existing_token_only(store):
    rec = token("s1", expires=2000.0)
    store.add_token(rec)
    assert store.replace_token(replace(rec, revoked=True)) is True
    assert store.get_token(rec.token_hash).revoked
    assert store.replace_token(replace(rec, expires=9000.0, revoked=False)) is True
    assert store.get_token(rec.token_hash).expires == 9000.0
    assert store.replace_token(token("never-added")) is False
    assert store.get_token(hash_token("never-added")) is None


def test_tokens_survive_reopening(backend):
    first = backend.open()
    first.add_token(token("s1"))
    first.close()
    again = backend.open()
    try:
        assert again.get_token(hash_token("s1")) == token("s1")
    finally:
        again.close()
