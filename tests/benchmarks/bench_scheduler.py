"""Dispatch decision time against the depth of the queue: 1,000, 10,000 and 100,000 waiting jobs.

The pure policy (the code the scheduler runs on every long-poll) is filled with waiting jobs of mixed
priorities, users (with their limits), teams, sizes, required labels and license tokens, then asked
for decisions by nodes of mixed sizes and labels, as a busy cluster would: each decision's job
starts, jobs end at random so nodes keep asking, and new jobs keep the depth where it was. Only
`Policy.decide` is timed.

    .venv/bin/python tests/benchmarks/bench_scheduler.py [--decisions 2000]

The last line printed is one JSON object: {"depth_1000": {"p50_ms": ..., "p99_ms": ...}, ...}.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import dataclass, field

from harness import percentile

from scheduler.domain.policy import NodeView, Policy
from scheduler.domain.queue_settings import QueueSettings
from scheduler.domain.waiting import Entry

ROLES = {"admin": 1000, "lead": 20, "developer": 10, "guest": 5}
SIZES = [1, 2, 4, 4, 8, 8, 16, 32]
LABELS = [(), (), (), (("site", "osaka-*"),), (("gpu", "a100*"),)]


@dataclass
class Node:
    name: str
    cpus: int
    labels: dict
    jobs: dict = field(default_factory=dict)

    def view(self) -> NodeView:
        used = sum(e.cpus for e in self.jobs.values())
        return NodeView(self.name, self.cpus, self.cpus - used, len(self.jobs), 0, self.labels, ("2024",))


def make_job(rng: random.Random, i: int, now: float, users: list[tuple[str, str, str]], s: QueueSettings) -> Entry:
    owner, role, team = rng.choice(users)
    cpus = rng.choice(SIZES)
    return Entry(f"job{i:07d}", owner, role, team, rng.choice([0, 10, 10, 20, 30]), now, cpus, s.tokens_for(cpus),
                 rng.choice(LABELS), "", rng.choice(["", "", "2024"]))


def measure(depth: int, decisions: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    s = QueueSettings(max_concurrent=400, user_max_concurrent=10, team_max_concurrent=60, enable_fair_share=True,
                      license_tokens_total=3000, reservation_threshold_minutes=30)
    policy = Policy(s, lambda role: ROLES.get(role, 0))
    users = [(f"user{u:03d}", rng.choice(list(ROLES)), f"team{u % 12:02d}") for u in range(200)]
    nodes = [Node(f"node{n:03d}", rng.choice([8, 16, 32, 64]),
                  rng.choice([{}, {"site": "osaka-2"}, {"gpu": "a100-80g", "site": "munich"}])) for n in range(60)]
    now = 1_000_000.0
    count = 0
    for _ in range(depth):
        count += 1
        policy.add(make_job(rng, count, now - rng.uniform(0, 7200), users, s))
    times: list[float] = []
    while len(times) < decisions:
        now += 0.05
        node = rng.choice(nodes)
        if node.jobs and rng.random() < 0.5:  # a job ends: its node asks for work again
            e = node.jobs.pop(rng.choice(list(node.jobs)))
            policy.ended(e.owner, e.team, e.tokens)
        views = [n.view() for n in nodes]
        view = next(v for v in views if v.name == node.name)
        began = time.perf_counter()
        chosen = policy.decide(view, views, now)
        times.append((time.perf_counter() - began) * 1000)
        if chosen is not None:
            policy.discard(chosen.job_id)
            policy.started(chosen.owner, chosen.team, chosen.tokens)
            node.jobs[chosen.job_id] = chosen
            count += 1
            policy.add(make_job(rng, count, now, users, s))  # keep the depth
    times.sort()
    return {"p50_ms": round(percentile(times, 0.50), 4), "p99_ms": round(percentile(times, 0.99), 4),
            "max_ms": round(times[-1], 4), "waiting": len(policy.waiting),
            "running": policy.usage.total}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--decisions", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    figures = {}
    for depth in (1_000, 10_000, 100_000):
        figures[f"depth_{depth}"] = measure(depth, a.decisions, a.seed)
        print(f"depth {depth}: {figures[f'depth_{depth}']}", flush=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
