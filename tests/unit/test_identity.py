"""The identity core: token checks and the permission rules, as tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain.identity import (
    Port,
    Principal,
    Role,
    TokenRecord,
    authenticate,
    hash_token,
    may_administer,
    may_cancel,
    may_change_priority,
    may_run,
    may_see,
)

NOW = 1_795_000_000.0
ANA = Principal("ana", Role.DEVELOPER, "crash")
BEN = Principal("ben", Role.LEAD, "crash")
CAT = Principal("cat", Role.LEAD, "nvh")
GUS = Principal("gus", Role.GUEST, "")
ROOT = Principal("root", Role.ADMIN, "")
NODE = Principal("node-7", Role.NODE)


def record(principal: Principal, token: str = "abq_secret", **kw) -> TokenRecord:
    return TokenRecord(hash_token(token), principal, created=NOW - 86400, **kw)


def test_the_store_keeps_only_a_sha256():
    rec = record(ANA, "abq_secret")
    assert "abq_secret" not in rec.token_hash and len(rec.token_hash) == 64


@pytest.mark.parametrize(("rec", "port", "token", "ok"), [
    (record(ANA), Port.SUBMISSION, "abq_secret", True),
    (record(ANA), Port.SUBMISSION, "abq_other", False),
    (None, Port.SUBMISSION, "abq_secret", False),
    (record(ANA, expires=NOW), Port.SUBMISSION, "abq_secret", False),  # expiry is exclusive
    (record(ANA, expires=NOW + 1), Port.SUBMISSION, "abq_secret", True),
    (record(ANA, revoked=True), Port.SUBMISSION, "abq_secret", False),
    (record(ANA), Port.EXECUTION, "abq_secret", False),  # people never on the execution port
    (record(ROOT), Port.EXECUTION, "abq_secret", False),
    (record(NODE), Port.EXECUTION, "abq_secret", True),
    (record(NODE), Port.SUBMISSION, "abq_secret", False),  # nodes only there
])
def test_authenticate(rec, port, token, ok):
    assert (authenticate(token, rec, port, NOW) is not None) is ok


# (who, owner, team) -> see, cancel, change priority
JOB_RULES = [
    (ANA, "ana", "crash", (True, True, False)),
    (ANA, "ben", "crash", (False, False, False)),  # a developer does not see a teammate's job
    (BEN, "ana", "crash", (True, False, True)),  # a lead sees and re-prioritises the team's jobs
    (BEN, "ben", "crash", (True, True, True)),
    (CAT, "ana", "crash", (False, False, False)),  # another team's lead: nothing
    (GUS, "gus", "", (True, True, False)),
    (GUS, "ana", "", (False, False, False)),  # no team is not a shared team
    (Principal("lee", Role.LEAD, ""), "ana", "", (False, False, False)),
    (ROOT, "ana", "crash", (True, True, True)),
    (NODE, "node-7", "", (False, False, False)),  # nodes are not people
]


@pytest.mark.parametrize(("who", "owner", "team", "expected"), JOB_RULES)
def test_job_permissions(who, owner, team, expected):
    assert (may_see(who, owner, team), may_cancel(who, owner), may_change_priority(who, owner, team)) == expected


def test_only_admins_administer_and_only_the_assigned_node_runs():
    assert [may_administer(p) for p in (ANA, BEN, GUS, ROOT, NODE)] == [False, False, False, True, False]
    assert may_run(NODE, "node-7") and not may_run(NODE, "node-8") and not may_run(ROOT, "node-7")


principals = st.builds(Principal, st.text(max_size=8), st.sampled_from(Role), st.text(max_size=4))


@given(principals, st.text(max_size=8), st.text(max_size=4))
def test_whoever_may_cancel_or_reprioritise_may_also_see(who, owner, team):
    if may_cancel(who, owner) or may_change_priority(who, owner, team):
        assert may_see(who, owner, team)


@given(st.text(), st.text())
def test_only_the_token_itself_authenticates(token, other):
    rec = record(ANA, token)
    assert authenticate(token, rec, Port.SUBMISSION, NOW) == ANA
    if other != token:
        assert authenticate(other, rec, Port.SUBMISSION, NOW) is None
