"""Job priorities: the four levels, each role's default, who may ask for what, and the bounded
boost a long wait earns. Pure."""

from __future__ import annotations

import enum

from .errors import InvalidArgument, PermissionDenied
from .identity import Principal, Role


class Priority(enum.IntEnum):
    LOW = 0
    NORMAL = 10
    HIGH = 20
    URGENT = 30


STEP = 10  # one level
DEFAULT_FOR_ROLE = {Role.GUEST: Priority.LOW, Role.DEVELOPER: Priority.NORMAL, Role.LEAD: Priority.HIGH,
                    Role.ADMIN: Priority.URGENT}


def default_for(role: Role) -> Priority:
    return DEFAULT_FOR_ROLE.get(role, Priority.LOW)


def may_override(who: Principal) -> bool:
    """Leads and admins may raise or set any priority; everyone else may only lower their own."""
    return who.role in (Role.LEAD, Role.ADMIN)


def level(value: int, field: str = "priority") -> Priority:
    try:
        return Priority(value)
    except ValueError:
        raise InvalidArgument(field, f"{value} is not a priority (0 low, 10 normal, 20 high, 30 urgent)") from None


def requested(who: Principal, value: int | None, field: str = "priority") -> Priority:
    """The priority a new job of `who` gets: the role's default, or the one asked for (only lower
    unless `who` may override)."""
    if value is None:
        return default_for(who.role)
    asked = level(value, field)
    if asked > default_for(who.role) and not may_override(who):
        raise PermissionDenied(f"{field}: a {who.role.value} may ask for {default_for(who.role).name.lower()} "
                               "or lower; leads and admins may raise it")
    return asked


def changed(who: Principal, owner: str, current: int, value: int, field: str = "priority") -> Priority:
    """The priority `who` may set on a job of `owner` now at `current` (`who` can see the job):
    leads and admins any level, an owner only a lower one (even below a level a lead gave it)."""
    wanted = level(value, field)
    if not may_override(who) and (owner != who.user or wanted > current):
        raise PermissionDenied(f"{field}: only leads and admins may raise a priority; {owner} may lower it")
    return wanted


def boost(waited_s: float, threshold_s: float, max_boost: int) -> int:
    """What a job that has waited `waited_s` gains: one level for each full `threshold_s` waited,
    at most `max_boost`. Never negative; 0 when starvation protection is off (threshold 0)."""
    if threshold_s <= 0 or waited_s < threshold_s:
        return 0
    return min(max_boost, STEP * int(waited_s // threshold_s))


def effective(base: int, waited_s: float, threshold_s: float, max_boost: int) -> int:
    """The priority a job is queued at: its base plus what its wait earned, never above urgent, so
    an old low job ends up level with (and, being older, ahead of) a stream of new urgent ones."""
    return min(max(base, Priority.URGENT), base + boost(waited_s, threshold_s, max_boost))


def latest_queue_time(base: int, target: int, now: float, threshold_s: float, max_boost: int) -> float:
    """The latest queue time at which a job of base priority `base` reaches effective priority
    `target` by `now`: inf when it always does, -inf when it never can."""
    need = target - base
    if need <= 0:
        return float("inf")
    if threshold_s <= 0 or need > max_boost or target > Priority.URGENT:
        return float("-inf")
    return now - threshold_s * -(-need // STEP)
