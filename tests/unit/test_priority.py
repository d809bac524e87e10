"""The priority rules as properties: role defaults, who may ask for what, and the bounded boost."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scheduler.domain import priority
from scheduler.domain.errors import InvalidArgument, PermissionDenied
from scheduler.domain.identity import Principal, Role
from scheduler.domain.priority import Priority

PEOPLE = [Role.GUEST, Role.DEVELOPER, Role.LEAD, Role.ADMIN]
people = st.builds(Principal, st.sampled_from(["ana", "ben"]), st.sampled_from(PEOPLE), st.just("crash"))
levels = st.sampled_from(Priority)
waits = st.floats(0, 1e7, allow_nan=False)
thresholds = st.sampled_from([0.0, 60.0, 600.0, 3600.0])
boosts = st.sampled_from([0, 10, 20, 30])


def test_each_role_has_its_default():
    assert [priority.default_for(r) for r in PEOPLE] == [Priority.LOW, Priority.NORMAL, Priority.HIGH,
                                                         Priority.URGENT]


@given(people, levels)
def test_anyone_may_ask_for_lower_and_only_leads_and_admins_for_higher(who, asked):
    default = priority.default_for(who.role)
    assert priority.requested(who, None) == default
    if asked <= default or who.role in (Role.LEAD, Role.ADMIN):
        assert priority.requested(who, asked) == asked
    else:
        with pytest.raises(PermissionDenied, match="priority"):
            priority.requested(who, asked)


@given(people, st.integers(-1000, 1000))
def test_a_value_that_is_no_level_names_the_field(who, value):
    assume(value not in {p.value for p in Priority})
    with pytest.raises(InvalidArgument, match="priority"):
        priority.requested(who, value)


@given(people, st.sampled_from(["ana", "ben"]), levels, levels)
def test_owners_may_lower_their_jobs_and_leads_and_admins_set_any(who, owner, current, wanted):
    may = who.role in (Role.LEAD, Role.ADMIN) or (owner == who.user and wanted <= current)
    if may:
        assert priority.changed(who, owner, current, wanted) == wanted
    else:
        with pytest.raises(PermissionDenied):
            priority.changed(who, owner, current, wanted)


@given(levels, waits, waits, thresholds, boosts)
def test_the_boost_grows_step_by_step_with_the_wait_and_is_bounded(base, a, b, threshold, max_boost):
    early, late = sorted((a, b))
    lo = priority.effective(base, early, threshold, max_boost)
    hi = priority.effective(base, late, threshold, max_boost)
    assert base <= lo <= hi <= max(base, Priority.URGENT)
    assert hi - base <= max_boost and (hi - base) % priority.STEP == 0
    if threshold and late >= threshold * (max_boost // priority.STEP):
        assert hi == min(max(base, Priority.URGENT), base + max_boost)  # the bound is reached
    if threshold == 0 or late < threshold:
        assert hi == base


@given(levels, levels, st.floats(0, 1e7, allow_nan=False), waits, thresholds, boosts)
def test_latest_queue_time_is_when_the_boost_reaches_a_level(base, target, now, queued_ago, threshold, max_boost):
    """The queue index finds boosted jobs by this time; it must agree with `effective`."""
    queue_time = now - queued_ago
    latest = priority.latest_queue_time(base, target, now, threshold, max_boost)
    reached = priority.effective(base, now - queue_time, threshold, max_boost) >= target
    assert reached == (queue_time <= latest)
