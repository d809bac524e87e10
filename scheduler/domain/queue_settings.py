"""The queue's settings: limits, starvation and reservation, license tokens, approval rules.

Admins change them at run time (the store keeps them across restarts). The defaults of the limits
are the original queue's (5 jobs at once, 2 per user, 10 per team, fair share off); they suit a
trial, and a CAE group with real nodes will raise them. Pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from .errors import InvalidArgument

MAX_LIMIT = 1_000_000
MAX_MINUTES = 525_600  # a year


@dataclass(frozen=True)
class QueueSettings:
    # Jobs started (STARTING or RUNNING) at once: in all, per user, per team (teams only with fair share).
    max_concurrent: int = 5
    user_max_concurrent: int = 2
    team_max_concurrent: int = 10
    enable_fair_share: bool = False
    # A job that has waited this long gains one priority level, and one more each time again, up to
    # `starvation_max_boost`; 0 turns the boost off.
    starvation_threshold_minutes: float = 60.0
    starvation_max_boost: int = 30
    # The first job in line that fits no node, once it has waited this long, has a node (and its
    # license tokens) held for it: no other job starts there until it does.
    reservation_threshold_minutes: float = 10.0
    # The cluster's Abaqus license tokens; 0 means they are not counted.
    license_tokens_total: int = 0
    # Tokens a job needs by default: floor(factor × cpus ^ exponent), Abaqus's rule (5, 0.422).
    license_token_factor: float = 5.0
    license_token_exponent: float = 0.422
    # A job needs an admin's approval before it may run when it asks for more than these (0: no rule),
    # or when its submitter asks for approval.
    approval_cpus_over: int = 0
    approval_tokens_over: int = 0

    def tokens_for(self, cpus: int) -> int:
        return math.floor(self.license_token_factor * cpus ** self.license_token_exponent)

    def needs_approval(self, cpus: int, tokens: int, asked: bool) -> list[str]:
        """Why a job with `cpus` and `tokens` needs approval: the rules it meets (empty: none)."""
        why = ["its submitter asked for approval"] if asked else []
        if self.approval_cpus_over and cpus > self.approval_cpus_over:
            why.append(f"it asks for {cpus} cores, over the {self.approval_cpus_over} that need approval")
        if self.approval_tokens_over and tokens > self.approval_tokens_over:
            why.append(f"it needs {tokens} license tokens, over the {self.approval_tokens_over} that need approval")
        return why

    def changed(self, **values: object) -> QueueSettings:
        """These settings with `values` changed, each checked; InvalidArgument names a bad one."""
        known = {f.name: f for f in fields(self)}
        for name, value in values.items():
            if name not in known:
                raise InvalidArgument(name, "is not a queue setting")
            _check(name, value)
        return replace(self, **values)


def _check(name: str, value: object) -> None:
    if name == "enable_fair_share":
        if not isinstance(value, bool):
            raise InvalidArgument(name, "must be true or false")
        return
    if name.endswith("_minutes"):
        if not isinstance(value, (int, float)) or not 0 <= value <= MAX_MINUTES or value != value:
            raise InvalidArgument(name, f"must be within 0..{MAX_MINUTES} minutes")
        return
    if name in ("license_token_factor", "license_token_exponent"):
        if not isinstance(value, (int, float)) or not 0 < value <= 100:
            raise InvalidArgument(name, "must be within (0, 100]")
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_LIMIT:
        raise InvalidArgument(name, f"must be a whole number within 0..{MAX_LIMIT}")
    if name in ("max_concurrent", "user_max_concurrent", "team_max_concurrent") and value < 1:
        raise InvalidArgument(name, "must be at least 1")
