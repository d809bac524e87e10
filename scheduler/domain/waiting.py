"""The waiting jobs, indexed so that a dispatch decision does not scan the queue. Pure.

Jobs are grouped by base priority (a level), then by shape (cores, tokens, required labels, node,
version: everything that decides whether a node can take a job), then by account (owner, role,
team). Inside one account's jobs of one shape the order is FIFO, so only the oldest can be next.
Each (level, shape) keeps its accounts ordered by their oldest job, but only the accounts that
are under their limits now; the others are parked until the policy says they may run again. Each
level keeps its shapes by cores, each ordered by its first job. A decision skips the cores a node
has no room for and tries the rest oldest first up to the first that fits: its cost grows with the
kinds of jobs ahead that do not fit, never with the number of jobs.

Within a level, waiting longer never lowers a job's effective priority, so FIFO inside a level is
also effective-priority order; the levels are merged by effective priority at decision time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from sortedcontainers import SortedDict, SortedList

Key = tuple[float, str]  # (queue time, job id): FIFO order
Account = tuple[str, str, str, str, int]  # (owner, role, team, batch, the batch's parallelism)
Shape = tuple[int, int, tuple[tuple[str, str], ...], str, str]  # (cpus, tokens, labels, node, version)
LAST_ID = "\uffff"  # sorts after every job id


@dataclass(frozen=True)
class Entry:
    """What the policy needs of a waiting job."""

    job_id: str
    owner: str
    role: str
    team: str
    priority: int  # base priority
    queue_time: float
    cpus: int
    tokens: int
    labels: tuple[tuple[str, str], ...] = ()  # required labels: (key, glob), sorted
    node: str = ""  # the node it must run on, if any
    version: str = ""  # the Abaqus version it needs, if any
    batch: str = ""  # its batch, if any
    batch_parallelism: int = 0  # most of its batch's jobs that may run at once

    @property
    def key(self) -> Key:
        return self.queue_time, self.job_id

    @property
    def account(self) -> Account:
        return self.owner, self.role, self.team, self.batch, self.batch_parallelism

    @property
    def shape(self) -> Shape:
        return self.cpus, self.tokens, self.labels, self.node, self.version


class _ShapeQueue:
    """The jobs of one shape in one level: a FIFO per account, and the accounts that may run now
    ordered by their oldest job."""

    def __init__(self) -> None:
        self.fifos: dict[Account, SortedDict] = {}
        self.ready = SortedList()  # (oldest key, account), eligible accounts only

    def head(self, account: Account) -> Entry:
        return self.fifos[account].peekitem(0)[1]

    def first(self) -> Entry | None:
        return self.head(self.ready[0][1]) if self.ready else None


class WaitingJobs:
    def __init__(self) -> None:
        self._levels: dict[int, dict[Shape, _ShapeQueue]] = {}
        # By level, then cores: the shapes that have a job of an eligible account, ordered by that
        # job's key, so a decision skips shapes too large for the node at once and stops at the
        # first shape that fits.
        self._order: dict[int, dict[int, SortedList]] = {}
        self._keys: dict[int, SortedList] = {}  # every job's key, by level: for positions
        self._entries: dict[str, Entry] = {}
        self._places: dict[Account, set[tuple[int, Shape]]] = {}  # where each account has jobs
        self._parked: set[Account] = set()

    # --- contents

    def add(self, entry: Entry, eligible: bool) -> None:
        """Queue `entry`; `eligible` says whether its account may run now (see `set_eligible`)."""
        self.discard(entry.job_id)
        self.set_eligible(entry.account, eligible)
        level = self._levels.setdefault(entry.priority, {})
        queue = level.get(entry.shape) or level.setdefault(entry.shape, _ShapeQueue())
        before = queue.ready[0][0] if queue.ready else None
        fifo = queue.fifos.get(entry.account)
        if fifo is None:
            fifo = queue.fifos[entry.account] = SortedDict()
            self._places.setdefault(entry.account, set()).add((entry.priority, entry.shape))
        elif entry.account not in self._parked:
            queue.ready.remove((fifo.peekitem(0)[0], entry.account))
        fifo[entry.key] = entry
        if entry.account not in self._parked:
            queue.ready.add((fifo.peekitem(0)[0], entry.account))
        self._reorder(entry.priority, entry.shape, queue, before)
        self._keys.setdefault(entry.priority, SortedList()).add(entry.key)
        self._entries[entry.job_id] = entry

    def load(self, entries: Sequence[Entry], eligible: Mapping[Account, bool]) -> None:
        """What `add` of each entry would build, into an empty index, with one sort per
        container instead of one insertion per job (a start-up)."""
        if self._entries:
            raise ValueError("load fills an empty index; add to one in use")
        grouped: dict[tuple[int, Shape], dict[Account, list[Entry]]] = {}
        keys: dict[int, list[Key]] = {}
        for e in entries:
            account = e.account
            grouped.setdefault((e.priority, e.shape), {}).setdefault(account, []).append(e)
            keys.setdefault(e.priority, []).append(e.key)
            self._entries[e.job_id] = e
            if not eligible[account]:
                self._parked.add(account)
        for (base, shape), accounts in grouped.items():
            queue = _ShapeQueue()
            ready = []
            for account, mine in accounts.items():
                fifo = queue.fifos[account] = SortedDict((e.key, e) for e in mine)
                self._places.setdefault(account, set()).add((base, shape))
                if account not in self._parked:
                    ready.append((fifo.peekitem(0)[0], account))
            queue.ready = SortedList(ready)
            self._levels.setdefault(base, {})[shape] = queue
            if ready:
                self._order.setdefault(base, {}).setdefault(shape[0], []).append((queue.ready[0][0], shape))
        self._order = {base: {cpus: SortedList(heads) for cpus, heads in by_cpus.items()}
                       for base, by_cpus in self._order.items()}
        self._keys = {base: SortedList(level_keys) for base, level_keys in keys.items()}

    def discard(self, job_id: str) -> Entry | None:
        entry = self._entries.pop(job_id, None)
        if entry is None:
            return None
        level = self._levels[entry.priority]
        queue = level[entry.shape]
        fifo = queue.fifos[entry.account]
        before = queue.ready[0][0] if queue.ready else None
        ready = entry.account not in self._parked
        if ready:
            queue.ready.remove((fifo.peekitem(0)[0], entry.account))
        del fifo[entry.key]
        if fifo and ready:
            queue.ready.add((fifo.peekitem(0)[0], entry.account))
        self._reorder(entry.priority, entry.shape, queue, before)
        if not fifo:
            del queue.fifos[entry.account]
            places = self._places[entry.account]
            places.discard((entry.priority, entry.shape))
            if not places:
                del self._places[entry.account]
                self._parked.discard(entry.account)
            if not queue.fifos:
                del level[entry.shape]
                if not level:
                    del self._levels[entry.priority]
        keys = self._keys[entry.priority]
        keys.remove(entry.key)
        if not keys:
            del self._keys[entry.priority]
        return entry

    def set_eligible(self, account: Account, eligible: bool) -> None:
        """Park an account that may not run now (its jobs are passed over at no cost), or bring it back."""
        if eligible == (account not in self._parked):
            return
        for base, shape in self._places.get(account, ()):
            queue = self._levels[base][shape]
            before = queue.ready[0][0] if queue.ready else None
            item = (queue.fifos[account].peekitem(0)[0], account)
            if eligible:
                queue.ready.add(item)
            else:
                queue.ready.remove(item)
            self._reorder(base, shape, queue, before)
        if eligible:
            self._parked.discard(account)
        else:
            self._parked.add(account)

    def _reorder(self, base: int, shape: Shape, queue: _ShapeQueue, before: Key | None) -> None:
        """Keep `_order` in step after the first eligible job of (`base`, `shape`) was `before`."""
        after = queue.ready[0][0] if queue.ready else None
        if after == before:
            return
        by_cpus = self._order.setdefault(base, {})
        if before is not None:
            ordered = by_cpus[shape[0]]
            ordered.remove((before, shape))
            if not ordered:
                del by_cpus[shape[0]]
                if not by_cpus:
                    del self._order[base]
        if after is not None:
            by_cpus.setdefault(shape[0], SortedList()).add((after, shape))
            self._order[base] = by_cpus

    def firsts_of(self, owner: str) -> Iterator[Entry]:
        """The first job of `owner` in each (level, shape): one of them goes before all the others."""
        for account, places in self._places.items():
            if account[0] == owner:
                for base, shape in places:
                    yield self._levels[base][shape].head(account)

    def accounts(self) -> Iterator[Account]:
        return iter(self._places)

    def get(self, job_id: str) -> Entry | None:
        return self._entries.get(job_id)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, job_id: str) -> bool:
        return job_id in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    # --- questions

    def best(self, fits: Callable[[Shape], bool], effective: Callable[[Entry], int],
             max_cpus: int | None = None) -> Entry | None:
        """The job that goes first among those of eligible accounts whose shape `fits` (and needs
        at most `max_cpus` cores): the highest effective priority, then the oldest. In each level,
        shapes with more cores are skipped at once, and the others are tried oldest first up to
        the first that fits."""
        best: Entry | None = None
        for base, by_cpus in self._order.items():
            level_best: Entry | None = None
            for cpus, ordered in by_cpus.items():
                if max_cpus is not None and cpus > max_cpus:
                    continue
                for head, shape in ordered:
                    if level_best is not None and head >= level_best.key:
                        break
                    if fits(shape):
                        level_best = self._levels[base][shape].first()
                        break
            if level_best is not None and (best is None or _ahead(level_best, best, effective)):
                best = level_best
        return best

    def oldest_queue_time(self) -> float:
        """When the job that has waited longest entered the queue; inf when none waits."""
        return min((keys[0][0] for keys in self._keys.values()), default=float("inf"))

    def ahead_of(self, entry: Entry, effective: Callable[[Entry], int],
                 cutoff: Callable[[int, int], float]) -> int:
        """How many waiting jobs go before `entry`: a higher effective priority, or the same and older.

        `cutoff(base, target)` is the latest queue time at which a job of base priority `base` has
        an effective priority of at least `target` (inf: any, -inf: none). A longer wait never lowers
        a priority, so in each level the jobs at or above a priority are a prefix of its FIFO."""
        mine = effective(entry)
        count = 0
        for base, keys in self._keys.items():
            higher = keys.bisect_right((cutoff(base, mine + 1), LAST_ID))
            same = keys.bisect_right((cutoff(base, mine), LAST_ID))
            older = keys.bisect_left(entry.key)
            count += higher + max(0, min(same, older) - higher)
        return count


def _ahead(a: Entry, b: Entry, effective: Callable[[Entry], int]) -> bool:
    return (-effective(a), a.key) < (-effective(b), b.key)
