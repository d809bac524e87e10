"""The scheduling policy against random job streams, node sets and settings (hypothesis).

A small simulation drives the pure policy as the scheduler does: jobs arrive (some needing
approval), nodes ask for work, jobs end, time passes. After every step the rules are checked
against brute-force oracles that look at every waiting job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from hypothesis import event, given, settings
from hypothesis import strategies as st

from scheduler.domain.policy import Code, NodeView, Policy
from scheduler.domain.queue_settings import QueueSettings
from scheduler.domain.waiting import Entry

USERS = [("ana", "developer", "crash"), ("ben", "developer", "crash"), ("gus", "guest", ""),
         ("lea", "lead", "nvh"), ("root", "admin", "")]
ROLE_CAPS = {"admin": 1000, "lead": 20, "developer": 3, "guest": 1}


@dataclass
class SimNode:
    name: str
    cpus: int
    max_jobs: int = 0
    labels: dict = field(default_factory=dict)
    versions: tuple = ()
    drained: bool = False
    jobs: dict = field(default_factory=dict)  # job id -> Entry

    def view(self) -> NodeView:
        used = sum(e.cpus for e in self.jobs.values())
        return NodeView(self.name, self.cpus, self.cpus - used, len(self.jobs), self.max_jobs, self.labels,
                        self.versions, self.drained)


class Sim:
    def __init__(self, policy: Policy, nodes: list[SimNode]) -> None:
        self.policy = policy
        self.nodes = nodes
        self.now = 0.0
        self.blocked: dict[str, Entry] = {}
        self.started: list[tuple[Entry, str, float]] = []
        self.count = 0
        self.reservations = 0

    def views(self) -> list[NodeView]:
        return [n.view() for n in self.nodes]

    def poll(self, node: SimNode) -> Entry | None:
        views = self.views()
        view = next(v for v in views if v.name == node.name)
        expected_reservation_before = self.policy.reservation
        chosen = self.policy.decide(view, views, self.now)
        self.reservations += self.policy.reservation is not None
        check_choice(self.policy, chosen, view, views, self.now, expected_reservation_before)
        if chosen is not None:
            assert chosen.job_id not in self.blocked
            self.policy.discard(chosen.job_id)
            self.policy.started(chosen.owner, chosen.team, chosen.tokens)
            node.jobs[chosen.job_id] = chosen
            self.started.append((chosen, node.name, self.now))
        return chosen

    def end(self, node: SimNode, job_id: str) -> None:
        e = node.jobs.pop(job_id)
        self.policy.ended(e.owner, e.team, e.tokens)


def effective_key(policy: Policy, e: Entry, now: float):
    return (-policy.effective(e, now), e.key)


def can_start_here(policy: Policy, e: Entry, node: NodeView, now: float) -> bool:
    """Brute force: whether `e` may start on `node` now, reservation included."""
    if node.drained or policy.usage.total >= policy.settings.max_concurrent or not policy.eligible(e.account):
        return False
    if not (node.could_host(e) and node.has_room(e)):
        return False
    free = policy.free_tokens()
    if policy.reservation is not None:
        held_job, held_on = policy.reservation
        if held_on == node.name and e.job_id != held_job:
            return False
        if e.job_id != held_job and held_job in policy.waiting and \
                policy.usage.total + 1 >= policy.settings.max_concurrent:
            return False  # the last place is held
        held = policy.waiting.get(held_job)
        s = policy.settings
        if held and e.job_id != held_job and s.enable_fair_share and held.team and e.team == held.team and \
                policy.usage.by_team[held.team] + 1 >= s.team_max_concurrent:
            return False  # the team's last place is held
        if free is not None and e.job_id != held_job:
            held = policy.waiting.get(held_job)
            free -= held.tokens if held else 0
    return free is None or e.tokens <= free


def check_choice(policy, chosen, view, views, now, reservation_before) -> None:
    """The node took the first job in effective-priority-then-FIFO order that may start there."""
    candidates = [e for e in policy.waiting if can_start_here(policy, e, view, now)]
    best = min(candidates, key=lambda e: effective_key(policy, e, now), default=None)
    assert chosen == best, (chosen, best)


def check_limits(sim: Sim) -> None:
    s = sim.policy.settings
    running = [e for n in sim.nodes for e in n.jobs.values()]
    assert len(running) <= s.max_concurrent
    for n in sim.nodes:
        assert sum(e.cpus for e in n.jobs.values()) <= n.cpus
        assert not n.max_jobs or len(n.jobs) <= n.max_jobs
    for owner, role, _ in USERS:
        assert sum(e.owner == owner for e in running) <= min(s.user_max_concurrent, ROLE_CAPS[role])
    if s.enable_fair_share:
        for team in {t for _, _, t in USERS if t}:
            assert sum(e.team == team for e in running) <= s.team_max_concurrent
    if s.license_tokens_total:
        assert sum(e.tokens for e in running) <= s.license_tokens_total


MESSAGE_NUMBER = re.compile(r"^(\d+) jobs? ahead")


def check_reasons(sim: Sim) -> None:
    """Every waiting job has at least one reason, and each reason holds."""
    p, now, views = sim.policy, sim.now, sim.views()
    s = p.settings
    for e in list(p.waiting):
        reasons = p.reasons(e, views, now)
        assert reasons
        ahead = sum(effective_key(p, o, now) < effective_key(p, e, now) for o in p.waiting)
        codes = {r.code for r in reasons}
        assert (Code.JOBS_AHEAD in codes) == (ahead > 0)
        for r in reasons:
            c = r.code
            if c is Code.JOBS_AHEAD:
                assert int(MESSAGE_NUMBER.match(r.message).group(1)) == ahead
            elif c is Code.GLOBAL_LIMIT:
                assert p.usage.total >= s.max_concurrent or (
                    p.reservation and p.reservation[0] != e.job_id and p.usage.total + 1 >= s.max_concurrent)
            elif c in (Code.USER_LIMIT, Code.ROLE_LIMIT):
                assert p.usage.by_user[e.owner] >= min(s.user_max_concurrent, ROLE_CAPS[e.role])
            elif c is Code.TEAM_LIMIT:
                held = p.waiting.get(p.reservation[0]) if p.reservation else None
                assert s.enable_fair_share and (p.usage.by_team[e.team] >= s.team_max_concurrent or (
                    held and held.job_id != e.job_id and held.team == e.team
                    and p.usage.by_team[e.team] + 1 >= s.team_max_concurrent))
            elif c is Code.LICENSE_TOKENS:
                assert s.license_tokens_total and e.tokens > s.license_tokens_total - p.usage.tokens - (
                    p.waiting.get(p.reservation[0]).tokens if p.reservation and p.reservation[0] != e.job_id else 0)
            elif c is Code.NO_NODE:
                assert not views
            elif c is Code.NO_MATCHING_NODE:
                assert not any(v.could_host(replace(e, cpus=1)) for v in views)
            elif c is Code.NODES_DRAINED:
                assert all(v.drained for v in views if v.could_host(replace(e, cpus=1)))
            elif c is Code.NO_NODE_LARGE_ENOUGH:
                assert not any(v.could_host(e) for v in views if not v.drained)
            elif c is Code.NO_FREE_CORES:
                assert not any(v.could_host(e) and v.has_room(e) for v in views if not v.drained)
            elif c is Code.NODE_RESERVED:
                held_job, held_on = p.reservation
                assert held_job != e.job_id
                assert all(v.name == held_on for v in views if not v.drained and v.could_host(e) and v.has_room(e))
            elif c is Code.READY:
                assert len(reasons) == 1 and any(can_start_here(p, e, v, now) for v in views)
            else:
                raise AssertionError(f"unexpected reason {c}")


node_strategy = st.builds(
    SimNode, name=st.sampled_from(["n1", "n2", "n3", "n4"]), cpus=st.sampled_from([4, 8, 16, 32]),
    max_jobs=st.sampled_from([0, 0, 0, 1, 2]),
    labels=st.sampled_from([{}, {"site": "osaka-1"}, {"site": "munich", "gpu": "a100-80g"}]),
    versions=st.sampled_from([(), ("2023",), ("2023", "2024")]), drained=st.sampled_from([False] * 5 + [True]))

settings_strategy = st.builds(
    QueueSettings, max_concurrent=st.integers(1, 12), user_max_concurrent=st.integers(1, 4),
    team_max_concurrent=st.integers(1, 5), enable_fair_share=st.booleans(),
    starvation_threshold_minutes=st.sampled_from([0.0, 5.0, 30.0]),
    starvation_max_boost=st.sampled_from([10, 20, 30]),
    reservation_threshold_minutes=st.sampled_from([0.0, 0.0, 10.0, 1e9]),
    license_tokens_total=st.sampled_from([0, 0, 20, 40]))

job_strategy = st.tuples(
    st.sampled_from(USERS), st.sampled_from([0, 10, 20, 30]), st.sampled_from([1, 1, 2, 4, 4, 8, 16, 32]),
    st.sampled_from([(), (), (), (("site", "osaka-*"),), (("gpu", "a100*"),)]), st.sampled_from(["", "", "", "n2"]),
    st.sampled_from(["", "", "", "2024"]), st.sampled_from([False] * 5 + [True]),
    st.one_of(st.none(), st.integers(1, 30)))

step_strategy = st.tuples(
    st.sampled_from(["submit"] * 4 + ["poll"] * 4 + ["end"] * 2 + ["approve", "wait"]),
    st.integers(0, 1000), job_strategy, st.sampled_from([1.0, 60.0, 600.0, 3600.0]))


@settings(max_examples=300, deadline=None)
@given(settings_strategy, st.lists(node_strategy, min_size=1, max_size=4, unique_by=lambda n: n.name),
       st.lists(step_strategy, min_size=10, max_size=120))
def test_random_streams_keep_every_rule(queue_settings, nodes, steps):
    policy = Policy(queue_settings, lambda role: ROLE_CAPS.get(role, 0))
    sim = Sim(policy, nodes)
    for kind, arg, job, pause in steps:
        if kind == "submit":
            (owner, role, team), prio, cpus, labels, node, version, needs_approval, tokens = job
            sim.count += 1
            e = Entry(f"j{sim.count:04d}", owner, role, team, prio, sim.now, cpus,
                      tokens if tokens is not None else queue_settings.tokens_for(cpus), labels, node, version)
            if needs_approval:
                sim.blocked[e.job_id] = e
            else:
                policy.add(e)
        elif kind == "poll" and nodes:
            sim.poll(nodes[arg % len(nodes)])
        elif kind == "end":
            running = [(n, j) for n in nodes for j in n.jobs]
            if running:
                sim.end(*running[arg % len(running)])
        elif kind == "approve" and sim.blocked:
            job_id = sorted(sim.blocked)[arg % len(sim.blocked)]
            policy.add(replace(sim.blocked.pop(job_id), queue_time=sim.now))
        elif kind == "wait":
            sim.now += pause
        check_limits(sim)
        check_reasons(sim)
    event(f"jobs started: {min(len(sim.started), 10)}{'+' if len(sim.started) >= 10 else ''}")
    event(f"reservation made: {sim.reservations > 0}")


@settings(max_examples=15, deadline=None)
@given(run_minutes=st.integers(5, 60), arrival_minutes=st.sampled_from([0.25, 0.5, 1.0]),
       reserve_after=st.sampled_from([5.0, 10.0, 30.0]), small_nodes=st.integers(0, 3),
       max_concurrent=st.sampled_from([2, 3, 5, 1000]), tokens_total=st.sampled_from([0, 40]),
       team=st.sampled_from(["", "crash"]))
def test_a_32_core_job_behind_an_endless_stream_of_4_core_jobs_starts_within_the_bound(
        run_minutes, arrival_minutes, reserve_after, small_nodes, max_concurrent, tokens_total, team):
    """Jobs queued before it go first (FIFO); the stream queued after it must not hold it back.
    Bound, from when the last job ahead of it started: what is left of the reservation threshold,
    plus one run of the small jobs (the reserved node drains), plus one poll interval. The stream
    alone would keep every node busy forever, and the cluster at its job limit and token pool."""
    s = QueueSettings(max_concurrent=max_concurrent, user_max_concurrent=1000, starvation_threshold_minutes=0,
                      reservation_threshold_minutes=reserve_after, license_tokens_total=tokens_total,
                      enable_fair_share=bool(team), team_max_concurrent=2)  # one team: its limit binds
    policy = Policy(s, lambda role: 1000)
    nodes = [SimNode(f"small{i}", 8) for i in range(small_nodes)] + [SimNode("big", 32)]  # big asks last
    sim = Sim(policy, nodes)
    poll_every = 0.5  # minutes
    ends: dict[str, float] = {}
    big_job = None
    big_submitted = 1.0
    next_arrival = 0.0
    count = 0
    while sim.now <= 48 * 3600:
        minute = sim.now / 60
        while next_arrival <= minute:  # the endless stream: more than the nodes can run
            for _ in range(4):
                count += 1
                policy.add(Entry(f"s{count:06d}", "ana", "developer", team, 10, sim.now, 4, s.tokens_for(4)))
            next_arrival += arrival_minutes
        if big_job is None and minute >= big_submitted:
            big_job = Entry("big-job", "ben", "developer", team, 10, sim.now, 32, s.tokens_for(32))
            policy.add(big_job)
        for node in nodes:
            for job_id in [j for j in node.jobs if ends[j] <= minute]:
                sim.end(node, job_id)
            while (chosen := sim.poll(node)) is not None:
                ends[chosen.job_id] = minute + run_minutes
        if any(e.job_id == "big-job" for e, _, _ in sim.started):
            break
        ahead_done = max((t for e, _, t in sim.started if big_job and e.key < big_job.key), default=0.0) / 60
        if big_job and all(e.key > big_job.key for e in policy.waiting if e.job_id != "big-job") and \
                minute > max(ahead_done, big_submitted + reserve_after) + run_minutes + poll_every:
            break  # past the bound: fail below
        sim.now += poll_every * 60
    started_at = next((t for e, _, t in sim.started if e.job_id == "big-job"), float("inf")) / 60
    ahead_done = max((t for e, _, t in sim.started if e.key < big_job.key), default=0.0) / 60
    assert started_at <= max(ahead_done, big_submitted + reserve_after) + run_minutes + poll_every
    assert any(e.key > big_job.key for e in policy.waiting)  # the stream behind it never ran dry


@settings(max_examples=15, deadline=None)
@given(run_minutes=st.integers(1, 30), threshold=st.sampled_from([10.0, 30.0, 60.0]),
       base=st.sampled_from([0, 10, 20]), backlog=st.integers(0, 20))
def test_a_low_job_behind_an_endless_stream_of_urgent_jobs_starts_within_the_bound(
        run_minutes, threshold, base, backlog):
    """With a boost of one level per `threshold` minutes, capped at urgent, the job is level with
    urgent after (30 - base) / 10 thresholds and then ahead of every urgent job queued after it.
    Bound, from when the jobs queued before it have started: that time, plus one run, plus a poll."""
    s = QueueSettings(max_concurrent=1000, user_max_concurrent=1000, starvation_threshold_minutes=threshold,
                      starvation_max_boost=30, reservation_threshold_minutes=1e9)
    policy = Policy(s, lambda role: 1000)
    node = SimNode("n1", 1)
    sim = Sim(policy, [node])
    count = 0
    for _ in range(backlog):  # urgent jobs already waiting when it arrives
        count += 1
        policy.add(Entry(f"u{count:06d}", "root", "admin", "", 30, sim.now, 1, 0))
    low = Entry("low-job", "ana", "developer", "", base, sim.now + 1, 1, 0)
    sim.now += 1
    policy.add(low)
    ends: dict[str, float] = {}
    poll_every = 0.5
    while sim.now <= 7 * 24 * 3600:
        minute = sim.now / 60
        for _ in range(2):  # the stream: twice what the node can run
            count += 1
            policy.add(Entry(f"u{count:06d}", "root", "admin", "", 30, sim.now, 1, 0))
        for job_id in [j for j in node.jobs if ends[j] <= minute]:
            sim.end(node, job_id)
        while (chosen := sim.poll(node)) is not None:
            ends[chosen.job_id] = minute + run_minutes
        if any(e.job_id == "low-job" for e, _, _ in sim.started):
            break
        sim.now += poll_every * 60
    started_at = next(t for e, _, t in sim.started if e.job_id == "low-job") / 60
    ahead_done = max((t for e, _, t in sim.started if e.key < low.key), default=0.0) / 60
    level_at = low.queue_time / 60 + threshold * (30 - base) / 10
    assert started_at <= max(ahead_done, level_at) + run_minutes + poll_every
