"""The scheduling policy: which waiting job a node takes next, and why every other job waits. Pure:
the scheduler feeds it jobs, nodes and the time, and carries out its decisions.

Order: effective priority (the base priority plus the boost a long wait earns), then FIFO.
A node takes the first job in that order that it can host now, whose owner, team and the cluster
are under their limits, and whose license tokens are free. Large jobs do not starve: once the
first job in line has waited `reservation_threshold_minutes`, the node that will host it soonest
takes nothing else, and its license tokens and a place under `max_concurrent` (and under its team's
limit) are held, until it starts (or can no longer start: its owner at a limit, too few tokens in the
cluster, the node gone).
"""

from __future__ import annotations

import enum
import functools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from . import priority
from .backends import BackendStatus, Status
from .queue_settings import QueueSettings
from .waiting import Account, Entry, Shape, WaitingJobs

MAX_REMEMBERED_NODES = 10_000
MAX_REMEMBERED_SHAPES = 1_000_000


@dataclass(frozen=True)
class NodeView:
    """What the policy sees of a node."""

    name: str
    cpus: int
    free_cpus: int
    running: int = 0
    max_jobs: int = 0  # 0: as many as its cores allow
    labels: Mapping[str, str] = field(default_factory=dict)
    versions: tuple[str, ...] = ()
    drained: bool = False

    def hosts(self, shape: Shape) -> bool:
        """Whether a job of `shape` could ever run here (drained or not): cores, labels, name, version."""
        cpus, _, labels, node, version = shape
        return (cpus <= self.cpus and (not node or node == self.name)
                and (not version or version in self.versions)
                and (not labels or _labels_match(labels, tuple(sorted(self.labels.items())))))

    def could_host(self, e: Entry) -> bool:
        return self.hosts(e.shape)

    def has_room(self, e: Entry) -> bool:
        return self.room_for(e.cpus)

    def room_for(self, cpus: int) -> bool:
        return cpus <= self.free_cpus and (not self.max_jobs or self.running < self.max_jobs)

    @property
    def signature(self) -> tuple:
        """What decides which jobs it could ever host."""
        return self.name, self.cpus, tuple(sorted(self.labels.items())), self.versions, self.drained


@functools.lru_cache(maxsize=4096)
def _labels_match(required: tuple[tuple[str, str], ...], offered: tuple[tuple[str, str], ...]) -> bool:
    labels = dict(offered)
    return all(k in labels and fnmatchcase(labels[k], glob) for k, glob in required)


class Usage:
    """The jobs started (STARTING or RUNNING): counted in all, per user, per team, per batch, and their tokens."""

    def __init__(self) -> None:
        self.total = 0
        self.by_user: Counter[str] = Counter()
        self.by_team: Counter[str] = Counter()
        self.by_batch: Counter[str] = Counter()
        self.tokens = 0

    def start(self, owner: str, team: str, tokens: int, batch: str = "") -> None:
        self.total += 1
        self.by_user[owner] += 1
        if team:
            self.by_team[team] += 1
        if batch:
            self.by_batch[batch] += 1
        self.tokens += tokens

    def end(self, owner: str, team: str, tokens: int, batch: str = "") -> None:
        self.total -= 1
        self.tokens -= tokens
        for counter, key in ((self.by_user, owner), (self.by_team, team), (self.by_batch, batch)):
            if key:
                counter[key] -= 1
                if counter[key] <= 0:
                    del counter[key]


class Code(str, enum.Enum):
    """Why a job waits. Every code comes with a sentence carrying the numbers."""

    JOBS_AHEAD = "jobs_ahead"
    GLOBAL_LIMIT = "global_limit"
    USER_LIMIT = "user_limit"
    ROLE_LIMIT = "role_limit"
    TEAM_LIMIT = "team_limit"
    LICENSE_TOKENS = "license_tokens"
    NO_NODE = "no_node"
    NO_MATCHING_NODE = "no_matching_node"
    NO_NODE_LARGE_ENOUGH = "no_node_large_enough"
    NO_FREE_CORES = "no_free_cores"
    NODES_DRAINED = "nodes_drained"
    NODE_RESERVED = "node_reserved"
    READY = "ready"
    AWAITING_INPUTS = "awaiting_inputs"
    AWAITING_APPROVAL = "awaiting_approval"
    RETRY_BACKOFF = "retry_backoff"
    BATCH_PARALLELISM = "batch_parallelism"
    BACKEND_MAINTENANCE = "backend_maintenance"
    BACKEND_UNAVAILABLE = "backend_unavailable"


@dataclass(frozen=True)
class Reason:
    code: Code
    message: str


# Reasons no wait ends by itself: no node could ever run the job as things stand.
NO_HOST = frozenset({Code.NO_NODE, Code.NO_MATCHING_NODE, Code.NO_NODE_LARGE_ENOUGH, Code.NODES_DRAINED,
                     Code.BACKEND_MAINTENANCE, Code.BACKEND_UNAVAILABLE})


class Policy:
    """The waiting jobs, the started ones, and the decisions between them."""

    def __init__(self, settings: QueueSettings, role_cap: Callable[[str], int]) -> None:
        self.settings = settings
        self.role_cap = role_cap  # most jobs one owner of a role (given by value) may have started
        self.waiting = WaitingJobs()
        self.usage = Usage()
        self.reservation: tuple[str, str] | None = None  # (job id, node name) held for it
        self._hostable: tuple[tuple, dict[Shape, bool]] = ((), {})  # by the nodes' signatures
        self._node_hosts: dict[tuple, dict[Shape, bool]] = {}  # by one node's signature
        self.observed_licenses: tuple[int, int] | None = None  # (issued, in use) from the license server
        self.backends = BackendStatus()  # which Abaqus versions and node pools are available

    # --- what the scheduler tells it

    def add(self, entry: Entry) -> None:
        self.waiting.add(entry, self.eligible(entry.account))

    def load(self, entries: Sequence[Entry]) -> None:
        """Many entries into an empty index at once (a start-up)."""
        eligible: dict[Account, bool] = {}
        for e in entries:
            if e.account not in eligible:
                eligible[e.account] = self.eligible(e.account)
        self.waiting.load(entries, eligible)

    def change_settings(self, settings: QueueSettings) -> None:
        self.settings = settings
        for account in list(self.waiting.accounts()):
            self.waiting.set_eligible(account, self.eligible(account))

    def discard(self, job_id: str) -> None:
        self.waiting.discard(job_id)
        if self.reservation and self.reservation[0] == job_id:
            self.reservation = None

    def started(self, owner: str, team: str, tokens: int, batch: str = "") -> None:
        self.usage.start(owner, team, tokens, batch)
        self._refresh(owner, team)

    def ended(self, owner: str, team: str, tokens: int, batch: str = "") -> None:
        self.usage.end(owner, team, tokens, batch)
        self._refresh(owner, team)

    def _refresh(self, owner: str, team: str) -> None:
        """Tell the index which accounts of `owner` or `team` may run now."""
        for account in list(self.waiting.accounts()):
            if account[0] == owner or (team and account[2] == team):
                self.waiting.set_eligible(account, self.eligible(account))

    # --- rules

    def effective(self, e: Entry, now: float) -> int:
        s = self.settings
        return priority.effective(e.priority, now - e.queue_time, s.starvation_threshold_minutes * 60,
                                  s.starvation_max_boost)

    def user_cap(self, role: str) -> int:
        return min(self.settings.user_max_concurrent, self.role_cap(role))

    def eligible(self, account: Account) -> bool:
        owner, role, team, batch, parallelism = account
        s = self.settings
        if self.usage.by_user[owner] >= self.user_cap(role):
            return False
        if batch and self.usage.by_batch[batch] >= parallelism:
            return False
        return not (s.enable_fair_share and team and self.usage.by_team[team] >= s.team_max_concurrent)

    def observe_licenses(self, usage: tuple[int, int] | None) -> None:
        """What the license server reports, (issued, in use), or None to go back to the settings."""
        self.observed_licenses = usage

    def token_total(self) -> int:
        """The cluster's license tokens: as the license server last said, else as set; 0: not counted."""
        return self.observed_licenses[0] if self.observed_licenses else self.settings.license_tokens_total

    def tokens_used_elsewhere(self) -> int:
        """Tokens checked out by people outside Abaqueue (only known from the license server)."""
        return max(0, self.observed_licenses[1] - self.usage.tokens) if self.observed_licenses else 0

    def free_tokens(self) -> int | None:
        """License tokens free now; None when tokens are not counted."""
        total = self.token_total()
        return total - self.usage.tokens - self.tokens_used_elsewhere() if total else None

    def _held_tokens(self) -> int:
        entry = self.waiting.get(self.reservation[0]) if self.reservation else None
        return entry.tokens if entry else 0

    # --- decisions

    def _open(self, node: NodeView) -> bool:
        """Whether the node takes new work: not drained, its pool available."""
        return not node.drained and self.backends.holding_node(node.labels, node.versions) is None

    def _startable(self, shape: Shape) -> bool:
        """Whether the backends a job of this shape needs are available."""
        return self.backends.holding_job(shape[4], shape[2]) is None

    def decide(self, node: NodeView, nodes: Sequence[NodeView], now: float) -> Entry | None:
        """The job `node` should start now, if any. `nodes` are all registered nodes (with `node`)."""
        if not self._open(node) or self.usage.total >= self.settings.max_concurrent:
            return None
        self._hold_for_first_in_line(nodes, now)
        free = self.free_tokens()
        held = None  # the job the reservation is for, when it may start on this node after all
        if self.reservation is not None:
            job_id, held_on = self.reservation
            entry = self.waiting.get(job_id)
            ok = (entry is not None and self.eligible(entry.account) and node.could_host(entry)
                  and node.has_room(entry) and (free is None or entry.tokens <= free) and self._startable(entry.shape))
            if held_on == node.name:
                return entry if ok else None
            held = entry if ok else None
            if self._slot_held():
                return held  # the last place the cluster may run is kept for it
            if free is not None:
                free -= self._held_tokens()

        hosts = self._hosts(node)

        def fits(shape: Shape) -> bool:
            if free is not None and shape[1] > free or not node.room_for(shape[0]) or not self._startable(shape):
                return False
            known = hosts.get(shape)
            if known is None:
                known = hosts[shape] = node.hosts(shape)
            return known

        # The team's last place under team_max_concurrent is the reserved job's too: its
        # teammates' jobs are passed over for this decision.
        team = self._team_slot_held()
        passed_over = [a for a in self.waiting.accounts() if a[2] == team and self.eligible(a)] if team else []
        for account in passed_over:
            self.waiting.set_eligible(account, False)
        try:
            best = self.waiting.best(fits, lambda e: self.effective(e, now), node.free_cpus)
        finally:
            for account in passed_over:
                self.waiting.set_eligible(account, True)
        if held is not None and (best is None or self._ahead(held, best, now)):
            return held
        return best

    def _hosts(self, node: NodeView) -> dict[Shape, bool]:
        """What `node` could ever host, by shape, remembered while it stays as it is."""
        known = self._node_hosts.get(node.signature)
        if known is None:
            if len(self._node_hosts) >= MAX_REMEMBERED_NODES:
                self._node_hosts.clear()
            known = self._node_hosts[node.signature] = {}
        elif len(known) > MAX_REMEMBERED_SHAPES:
            known.clear()
        return known

    def _slot_held(self) -> bool:
        """Whether the reservation keeps the last place under `max_concurrent` for its job."""
        return (self.reservation is not None and self.reservation[0] in self.waiting
                and self.usage.total + 1 >= self.settings.max_concurrent)

    def _team_slot_held(self) -> str:
        """The team whose last place under `team_max_concurrent` the reservation keeps, if any."""
        s = self.settings
        entry = self.waiting.get(self.reservation[0]) if self.reservation else None
        if s.enable_fair_share and entry is not None and entry.team and \
                self.usage.by_team[entry.team] + 1 >= s.team_max_concurrent:
            return entry.team
        return ""

    def _ahead(self, a: Entry, b: Entry, now: float) -> bool:
        """Whether `a` goes before `b`: higher effective priority, then FIFO."""
        return (-self.effective(a, now), a.key) < (-self.effective(b, now), b.key)

    def _hold_for_first_in_line(self, nodes: Sequence[NodeView], now: float) -> None:
        """Keep, drop or make the reservation for the first job in line."""
        usable = [n for n in nodes if self._open(n)]
        if self.reservation is not None:
            job_id, held_on = self.reservation
            entry = self.waiting.get(job_id)
            node = next((n for n in usable if n.name == held_on), None)
            total = self.token_total()
            if (entry is not None and node is not None and node.could_host(entry) and self.eligible(entry.account)
                    and not (total and entry.tokens > total) and self._startable(entry.shape)):
                return
            self.reservation = None  # it started, left, or cannot start now whatever is held for it
        threshold = self.settings.reservation_threshold_minutes * 60
        if self.waiting.oldest_queue_time() > now - threshold:
            return  # no job has waited long enough: nothing to look for
        first = self.waiting.best(self._hostable_on(usable), lambda e: self.effective(e, now))
        if first is None or now - first.queue_time < threshold:
            return
        hosts = [n for n in usable if n.could_host(first)]
        best = max(hosts, key=lambda n: (n.has_room(first), n.free_cpus, -n.running, n.name))
        self.reservation = (first.job_id, best.name)

    def _hostable_on(self, nodes: Sequence[NodeView]) -> Callable[[Shape], bool]:
        """Whether some node of `nodes` could ever host a shape and the cluster has its license tokens;
        what the nodes could host is remembered while they stay as they are."""
        signature = tuple(n.signature for n in nodes)
        if signature != self._hostable[0]:
            self._hostable = (signature, {})
        known = self._hostable[1]

        total = self.token_total()

        def hostable(shape: Shape) -> bool:
            if shape not in known:
                known[shape] = any(n.hosts(shape) for n in nodes)
            return known[shape] and (not total or shape[1] <= total) and self._startable(shape)
        return hostable

    def position(self, entry: Entry, now: float) -> int:
        """How many waiting jobs go before `entry`."""
        s = self.settings
        return self.waiting.ahead_of(
            entry, lambda e: self.effective(e, now),
            lambda base, target: priority.latest_queue_time(base, target, now, s.starvation_threshold_minutes * 60,
                                                            s.starvation_max_boost))

    def first_of(self, owner: str, now: float) -> Entry | None:
        """The waiting job of `owner` that goes first."""
        return min(self.waiting.firsts_of(owner), key=lambda e: (-self.effective(e, now), e.key), default=None)

    def reasons(self, entry: Entry, nodes: Sequence[NodeView], now: float) -> list[Reason]:
        """Everything that holds the waiting job `entry` now; READY alone when nothing does."""
        s = self.settings
        found: list[Reason] = []
        ahead = self.position(entry, now)
        if ahead:
            found.append(Reason(Code.JOBS_AHEAD, f"{ahead} job{'s' if ahead != 1 else ''} ahead of it in the queue"))
        if self.usage.total >= s.max_concurrent:
            found.append(Reason(Code.GLOBAL_LIMIT, f"{self.usage.total} of {s.max_concurrent} jobs run at once "
                                                   "cluster-wide (max_concurrent)"))
        elif self._slot_held() and self.reservation[0] != entry.job_id:
            found.append(Reason(Code.GLOBAL_LIMIT, f"{self.usage.total} of {s.max_concurrent} jobs run at once "
                                                   "cluster-wide (max_concurrent); the last place is held for job "
                                                   f"{self.reservation[0]}, first in line and waiting longest"))
        running = self.usage.by_user[entry.owner]
        if running >= self.user_cap(entry.role):
            if self.role_cap(entry.role) < s.user_max_concurrent:
                found.append(Reason(Code.ROLE_LIMIT, f"{entry.owner} runs {running} of the {self.role_cap(entry.role)} "
                                                     f"jobs a {entry.role or 'user'} may run at once"))
            else:
                found.append(Reason(Code.USER_LIMIT, f"{entry.owner} runs {running} of {s.user_max_concurrent} jobs "
                                                     "allowed per user (user_max_concurrent)"))
        if s.enable_fair_share and entry.team and self.usage.by_team[entry.team] >= s.team_max_concurrent:
            found.append(Reason(Code.TEAM_LIMIT, f"team {entry.team} runs {self.usage.by_team[entry.team]} of "
                                                 f"{s.team_max_concurrent} jobs allowed per team "
                                                 "(team_max_concurrent)"))
        elif entry.team and self._team_slot_held() == entry.team and self.reservation[0] != entry.job_id:
            found.append(Reason(Code.TEAM_LIMIT, f"team {entry.team} runs {self.usage.by_team[entry.team]} of "
                                                 f"{s.team_max_concurrent} jobs allowed per team; the last place "
                                                 f"is held for its job {self.reservation[0]}, first in line"))
        if entry.batch and self.usage.by_batch[entry.batch] >= entry.batch_parallelism:
            found.append(Reason(Code.BATCH_PARALLELISM, f"batch {entry.batch} runs {self.usage.by_batch[entry.batch]} "
                                                        f"of the {entry.batch_parallelism} jobs it may run at once "
                                                        "(parallelism)"))
        free = self.free_tokens()
        held = self._held_tokens() if self.reservation and self.reservation[0] != entry.job_id else 0
        if free is not None and entry.tokens > free - held:
            also = f"; {held} held for job {self.reservation[0]}" if held else ""
            elsewhere = self.tokens_used_elsewhere()
            also += f"; {elsewhere} in use outside Abaqueue" if elsewhere else ""
            found.append(Reason(Code.LICENSE_TOKENS, f"needs {entry.tokens} license tokens, {free} free of "
                                                     f"{self.token_total()}{also}"))
        held = self.backends.holding_job(entry.version, entry.labels)
        if held is not None:
            code = Code.BACKEND_MAINTENANCE if held.status is Status.MAINTENANCE else Code.BACKEND_UNAVAILABLE
            found.append(Reason(code, held.sentence()))
        found.extend(self._node_reasons(entry, nodes))
        return found or [Reason(Code.READY, "nothing holds it: the next node to ask for work takes it")]

    def _node_reasons(self, entry: Entry, nodes: Sequence[NodeView]) -> list[Reason]:
        if not nodes:
            return [Reason(Code.NO_NODE, "no node is registered")]
        matching = [n for n in nodes if n.could_host(entry) or _matches_but_cores(n, entry)]
        if not matching:
            return [Reason(Code.NO_MATCHING_NODE, f"no node has {_wants(entry)}")]
        open_ = [n for n in matching if self._open(n)]
        if not open_:
            pools = {b.name: b for b in (self.backends.holding_node(n.labels, n.versions) for n in matching)
                     if b is not None}
            if pools:
                held = next(iter(pools.values()))
                code = Code.BACKEND_MAINTENANCE if held.status is Status.MAINTENANCE else Code.BACKEND_UNAVAILABLE
                return [Reason(code, f"every node that could run it is drained or its backend is not available: "
                                     f"{'; '.join(b.sentence() for b in pools.values())}")]
            return [Reason(Code.NODES_DRAINED, f"all {len(matching)} node(s) that could run it are drained")]
        large = [n for n in open_ if n.cpus >= entry.cpus]
        if not large:
            return [Reason(Code.NO_NODE_LARGE_ENOUGH, f"needs {entry.cpus} cores; the largest node that could "
                                                      f"run it has {max(n.cpus for n in open_)}")]
        held_on = self.reservation[1] if self.reservation and self.reservation[0] != entry.job_id else None
        roomy = [n for n in large if n.has_room(entry)]
        if not roomy:
            full = [n.name for n in large if n.free_cpus >= entry.cpus]
            if full:
                return [Reason(Code.NO_FREE_CORES, f"needs {entry.cpus} cores; node(s) {', '.join(full[:5])} have "
                                                   "them free but already run their most jobs (max_jobs)")]
            most = max(n.free_cpus for n in large)
            return [Reason(Code.NO_FREE_CORES, f"needs {entry.cpus} cores; the most free on a node that could run "
                                               f"it is {most}")]
        if all(n.name == held_on for n in roomy):
            return [Reason(Code.NODE_RESERVED, f"node {held_on} is held for job {self.reservation[0]}, "
                                               "first in line and waiting longest")]
        return []


def _matches_but_cores(node: NodeView, e: Entry) -> bool:
    return node.could_host(Entry(**{**e.__dict__, "cpus": 1}))


def _wants(e: Entry) -> str:
    parts = [f"{k}={glob}" for k, glob in e.labels]
    if e.node:
        parts.append(f"the name {e.node}")
    if e.version:
        parts.append(f"Abaqus {e.version}")
    return ", ".join(parts) or f"{e.cpus} cores"
