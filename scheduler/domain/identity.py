"""Who is calling and what they may do: roles, tokens as stored, and the permission rules.

Pure: no I/O, no randomness, no clock. Tokens are minted elsewhere (`secrets`); here they are only
hashed and checked, and `now` is passed in.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass

TOKEN_PREFIX = "abq_"
MIN_TOKEN_ENTROPY_BYTES = 16  # 128 bits


class Role(str, enum.Enum):
    ADMIN = "admin"
    LEAD = "lead"
    DEVELOPER = "developer"
    GUEST = "guest"
    NODE = "node"  # an agent: the execution port only

    @property
    def is_person(self) -> bool:
        return self is not Role.NODE


class Port(str, enum.Enum):
    SUBMISSION = "submission"
    EXECUTION = "execution"


@dataclass(frozen=True)
class Principal:
    """The caller behind a valid token. For a node, `user` is the node's name."""

    user: str
    role: Role
    team: str = ""


@dataclass(frozen=True)
class TokenRecord:
    """A token as the store keeps it: its SHA-256, never the token itself."""

    token_hash: str
    principal: Principal
    created: float  # seconds since the epoch, like every time in the domain
    expires: float | None = None
    revoked: bool = False
    description: str = ""

    @property
    def token_id(self) -> str:
        """The public name of a token in listings and for revoking: a prefix of its hash."""
        return self.token_hash[:16]

    def usable_at(self, now: float) -> bool:
        return not self.revoked and (self.expires is None or now < self.expires)


def hash_token(token: str) -> str:
    """The form a token is stored and looked up in."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def matches(token: str, record: TokenRecord) -> bool:
    """Constant-time check that `token` is the one `record` was made from."""
    return hmac.compare_digest(hash_token(token), record.token_hash)


def authenticate(token: str, record: TokenRecord | None, port: Port, now: float) -> Principal | None:
    """The principal if `token` is valid on `port` at `now`, else None (the caller answers
    UNAUTHENTICATED without saying which check failed)."""
    if record is None or not matches(token, record) or not record.usable_at(now):
        return None
    if (port is Port.EXECUTION) != (record.principal.role is Role.NODE):
        return None  # node tokens only on the execution port; people's tokens never there
    return record.principal


def may_see(who: Principal, owner: str, team: str) -> bool:
    """Users see their own jobs, leads also their team's, admins everything."""
    if who.role is Role.ADMIN:
        return True
    if not who.role.is_person:
        return False
    if who.user == owner:
        return True
    return who.role is Role.LEAD and bool(who.team) and who.team == team


def visible_scope(who: Principal) -> tuple[str | None, str | None]:
    """What `may_see` means for a listing: (owner, team) for a store's "either matches" filter;
    (None, None) for everything."""
    if who.role is Role.ADMIN:
        return None, None
    return who.user, who.team if who.role is Role.LEAD and who.team else None


def may_cancel(who: Principal, owner: str) -> bool:
    """Users cancel their own jobs, admins any; a lead sees the team's jobs but does not cancel them."""
    return who.role is Role.ADMIN or (who.role.is_person and who.user == owner)


def may_change_priority(who: Principal, owner: str, team: str) -> bool:
    """Leads for their team's jobs, admins for any; developers and guests never."""
    if who.role is Role.ADMIN:
        return True
    return who.role is Role.LEAD and may_see(who, owner, team)


def may_administer(who: Principal) -> bool:
    """Approve, reject, limits, cleanup, nodes, tokens."""
    return who.role is Role.ADMIN


def may_run(who: Principal, assigned_node: str) -> bool:
    """A node acts only on jobs assigned to it."""
    return who.role is Role.NODE and who.user == assigned_node
