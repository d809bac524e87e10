"""Tokens over the token store: minted here, kept only as hashes, checked on every call.

The clock and the source of randomness are injected, so tests control both.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .domain import identity, validation
from .domain.errors import InvalidArgument, NotFound, PermissionDenied
from .domain.identity import (
    MIN_TOKEN_ENTROPY_BYTES,
    TOKEN_PREFIX,
    Port,
    Principal,
    Role,
    TokenRecord,
    authenticate,
    hash_token,
)
from .recently_used import keep_newest
from .store import SqliteStore, TokenStore

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 200
# How long a token read from the store answers for it: every call is authenticated, and a store
# read per call was a tenth of the scheduler's work. A change made here (revoke, renew) counts at
# once; one made by another scheduler sharing the store counts within this many seconds.
CACHE_S = 2.0
MAX_CACHED = 10_000  # tokens found; made-up ones are never kept, so they cannot push these out


class TokenBook:
    def __init__(self, store: TokenStore, *, clock: Callable[[], float] = time.time,
                 random_bytes: Callable[[int], bytes] = secrets.token_bytes, entropy_bytes: int = 32) -> None:
        if entropy_bytes < MIN_TOKEN_ENTROPY_BYTES:
            raise ValueError(f"tokens need at least {MIN_TOKEN_ENTROPY_BYTES * 8} random bits")
        self.store = store
        self.clock = clock
        self.random_bytes = random_bytes
        self.entropy_bytes = entropy_bytes
        self._read: OrderedDict[str, tuple[float, TokenRecord]] = OrderedDict()  # hash -> (when read, record)

    def create(
        self, principal: Principal, ttl_s: float | None = None, description: str = "",
    ) -> tuple[str, TokenRecord]:
        """A new token for `principal`: the secret (shown once, never stored) and its record."""
        validation.principal_name(principal.user, "user")
        if principal.team:
            validation.principal_name(principal.team, "team")
        if ttl_s is not None and ttl_s <= 0:
            raise InvalidArgument("ttl", "must be positive, or unset for a token that does not expire")
        if len(description) > MAX_DESCRIPTION or not description.isprintable():
            raise InvalidArgument("description", f"must be at most {MAX_DESCRIPTION} printable characters")
        now = self.clock()
        for _ in range(3):  # ids are 64-bit prefixes of the hash: a clash is rare, never repeated
            secret = TOKEN_PREFIX + self.random_bytes(self.entropy_bytes).hex()
            record = TokenRecord(hash_token(secret), principal, created=now,
                                 expires=None if ttl_s is None else now + ttl_s, description=description)
            if self.store.add_token(record):
                return secret, record
        raise RuntimeError("the random source keeps repeating itself")

    def principal_of(self, secret: str, port: Port) -> Principal | None:
        """Who holds `secret`, if it is a valid token on `port` now."""
        if not secret.startswith(TOKEN_PREFIX):
            return None
        token_hash, now = hash_token(secret), self.clock()
        read = self._read.get(token_hash)
        if read is not None and 0 <= now - read[0] < CACHE_S:
            return authenticate(secret, read[1], port, now)
        record = self.store.get_token(token_hash)
        if record is not None:
            keep_newest(self._read, token_hash, (now, record), MAX_CACHED)
        return authenticate(secret, record, port, now)

    def _replace(self, record: TokenRecord) -> None:
        self.store.replace_token(record)
        self._read.pop(record.token_hash, None)

    async def authenticate(self, secret: str, port: Port) -> Principal | None:
        """`principal_of`, as the port's interceptor calls it."""
        return self.principal_of(secret, port)

    def get(self, token_id: str) -> TokenRecord:
        record = self.store.find_token(token_id) if token_id else None
        if record is None:
            raise NotFound(f"token {token_id[:40]!r} not found")
        return record

    def revoke(self, token_id: str) -> TokenRecord:
        record = replace(self.get(token_id), revoked=True)
        self._replace(record)
        return record

    def renew(self, token_id: str, ttl_s: float) -> TokenRecord:
        """A new expiry `ttl_s` from now; a revoked token stays revoked."""
        if ttl_s <= 0:
            raise InvalidArgument("ttl", "must be positive")
        record = replace(self.get(token_id), expires=self.clock() + ttl_s)
        self._replace(record)
        return record

    def list(self, user: str | None = None) -> list[TokenRecord]:
        return self.store.list_tokens(user)

    # --- as asked for by a caller: admins manage every token, others look at and revoke their own

    def create_as(self, who: Principal, principal: Principal, ttl_s: float | None,
                  description: str) -> tuple[str, TokenRecord]:
        _require_admin(who, "create tokens")
        return self.create(principal, ttl_s, description)

    def get_as(self, who: Principal, token_id: str) -> TokenRecord:
        record = self.get(token_id)
        if not identity.may_administer(who) and record.principal.user != who.user:
            raise NotFound(f"token {token_id[:40]!r} not found")
        return record

    def lookup_as(self, who: Principal, token_hash: str) -> TokenRecord:
        """The token hashed `token_hash`, for a scheduler using this store as its token database."""
        _require_admin(who, "look tokens up by their hash")
        if not validation.SHA256_HEX.fullmatch(token_hash):
            raise InvalidArgument("token_sha256", "must be 64 lowercase hexadecimal digits")
        record = self.store.get_token(token_hash)
        if record is None:
            raise NotFound("no token has that hash")
        return record

    def list_as(self, who: Principal, user: str = "") -> list[TokenRecord]:
        if identity.may_administer(who):
            return self.list(user or None)
        return self.list(who.user) if user in ("", who.user) else []

    def revoke_as(self, who: Principal, token_id: str) -> TokenRecord:
        return self.revoke(self.get_as(who, token_id).token_id)

    def renew_as(self, who: Principal, token_id: str, ttl_s: float | None) -> TokenRecord:
        _require_admin(who, "renew tokens")
        if ttl_s is None:
            raise InvalidArgument("ttl", "is required")
        return self.renew(token_id, ttl_s)

    def bootstrap(self, path: Path) -> str | None:
        """On a store with no tokens, create an admin token and write it to `path`, readable by
        this user only, and say so in the log; return it. With tokens already there, do nothing
        and return None."""
        if self.store.list_tokens():
            return None
        secret, _ = self.create(Principal("admin", Role.ADMIN), description="bootstrap admin token")
        write_secret(path, secret)
        log.warning("no tokens yet: wrote the first admin token to %s (readable by this user only)", path)
        return secret


def create_in_store_file(database: Path, principals: list[Principal]) -> list[str]:
    """Tokens created straight in the SQLite store at `database`, for tools that set a scheduler up
    before it runs (benchmarks, tests of the process). Returns the secrets, in order."""
    store = SqliteStore(database)
    try:
        book = TokenBook(store)
        return [book.create(p)[0] for p in principals]
    finally:
        store.close()


def _require_admin(who: Principal, what: str) -> None:
    if not identity.may_administer(who):
        raise PermissionDenied(f"only admins may {what}")


def write_secret(path: Path, secret: str) -> None:
    """Write `secret` to `path`, readable and writable by this user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret + "\n")
    os.chmod(path, 0o600)  # also when the file was there before with wider rights


def read_secret(path: Path) -> str:
    """The token written in `path` (by `write_secret`, or by hand)."""
    return path.read_text(encoding="ascii").strip()
