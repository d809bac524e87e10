"""`make chaos`: nothing lost, nothing run twice, whatever dies on the way.

On loopback: SeaweedFS behind a fault-injecting proxy (a share of S3 requests answered 503 or cut),
a real `abaqueue-scheduler` process on a SQLite file, several `abaqueue-agent` processes running the
simulator, and submitters sending N short jobs. Meanwhile the scheduler is killed with SIGKILL and
restarted at random intervals, and agents are killed and restarted (some long enough to be lost).

At the end every acknowledged submission is checked:
  lost                   acknowledged, but not in the store or not in a final state
  duplicated             a request id that made more than one job, or a job whose solver was
                         accepted as successful in more than one attempt
  stale_writes_accepted  calls the scheduler answered OK for an attempt already superseded when the
                         agent sent them (the agents' DEBUG journal of calls, against the store's
                         attempt history; one host, one clock)
  leaked_slots           transfer slots still held, or transfers still waiting, once all is done
  leaked_tokens          license tokens (and cores) still counted in use once all is done
The scheduler is not killed while the last 15 % of the jobs run: what it counts in memory is
rebuilt at each start, so leaks are measured over a stretch of agent kills and S3 faults that one
process saw. Stale calls are counted by when they were sent; a call sent before its attempt was
superseded and applied after is what the fence inside each write stops (tests/integration).

    .venv/bin/python tests/chaos/chaos.py [--jobs 2000] [--agents 4] [--seed S]

The last line printed is one JSON object; the exit status is 0 when lost, duplicated, stale writes
accepted and leaks are all 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from client import AbaqueueError, Client  # noqa: E402
from scheduler.devstack.health import wait_serving  # noqa: E402
from scheduler.devstack.ports import free_ports  # noqa: E402
from scheduler.devstack.s3_faults import Fault, FaultProxy  # noqa: E402
from scheduler.devstack.seaweed import start_seaweed  # noqa: E402
from scheduler.domain.identity import Principal, Role  # noqa: E402
from scheduler.domain.job import Job  # noqa: E402
from scheduler.store import SqliteStore  # noqa: E402
from scheduler.tokens import create_in_store_file  # noqa: E402
from tests.integration.models import beam  # noqa: E402

BIN = Path(sys.executable).parent
USER = "chaos"
JOURNAL = re.compile(r"call (\w+) job (\S+) attempt (\d+)(?: outcome (\d+))? sent ([\d.]+): (\w+)")
SUCCEEDED = "1"  # abaqueue.v1.Outcome OUTCOME_SUCCEEDED
CALM_SHARE = 0.15  # the last 15 % of the jobs: no more scheduler kills (agents still die, S3 still fails)


class Processes:
    """The scheduler and the agents as child processes, each killed and started again at will."""

    def __init__(self, home: Path, s3, proxy: FaultProxy, agents: int) -> None:
        self.home = home
        self.database = home / "scheduler.sqlite3"
        self.submission_port, self.execution_port = free_ports(2)
        names = [f"node-{i}" for i in range(1, agents + 1)]
        admin, user, *nodes = create_in_store_file(
            self.database, [Principal("admin", Role.ADMIN), Principal(USER, Role.DEVELOPER)]
            + [Principal(n, Role.NODE) for n in names])
        self.admin_token, self.user_token = admin, user
        self.s3, self.proxy = s3, proxy
        self.scheduler: subprocess.Popen | None = None
        self.agents: dict[str, subprocess.Popen | None] = {}
        self.configs: dict[str, Path] = {}
        for name, token in zip(names, nodes):
            (home / f"{name}.token").write_text(token)
            self.configs[name] = home / f"{name}.toml"
            self.configs[name].write_text(
                f'scheduler = "127.0.0.1:{self.execution_port}"\nnode_name = "{name}"\n'
                f"token_file = {str(home / f'{name}.token')!r}\ncpus = 4\n"
                f"work_dir = {str(home / 'work' / name)!r}\nabaqus_command = [{str(BIN / 'abaqus-sim')!r}]\n"
                "progress_interval_s = 0.5\nstop_grace_s = 2\nmin_free_disk_bytes = 100_000_000\n")
            self.agents[name] = None

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        out = open(self.home / f"{name}.out", "ab")  # noqa: SIM115 (the child keeps it)
        try:
            return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env={**os.environ, **(env or {})}, cwd=self.home)
        finally:
            out.close()

    def start_scheduler(self) -> None:
        self.scheduler = self._spawn("scheduler", [
            str(BIN / "abaqueue-scheduler"), "--port-for-submission", str(self.submission_port),
            "--port-for-execution", str(self.execution_port), "--database", str(self.database),
            "--s3-endpoint", self.proxy.endpoint, "--bucket", self.s3.bucket, "--heartbeat-interval", "1",
            "--long-poll-timeout", "5", "--transfer-slot-lease-seconds", "10", "--log-level", "WARNING",
        ], {"AWS_ACCESS_KEY_ID": self.s3.access_key, "AWS_SECRET_ACCESS_KEY": self.s3.secret_key,
            "SCHEDULER_SUBMIT_RATE_PER_S": "1000", "SCHEDULER_SUBMIT_BURST": "5000"})
        wait_serving(self.submission_port, self.scheduler, "scheduler", timeout=60)

    def kill_scheduler(self) -> None:
        self.scheduler.send_signal(signal.SIGKILL)
        self.scheduler.wait()

    def start_agent(self, name: str) -> None:
        self.agents[name] = self._spawn(name, [
            str(BIN / "abaqueue-agent"), "run", "--config", str(self.configs[name]), "--log-level", "DEBUG",
            "--log-file", str(self.home / f"{name}.log")])

    def kill_agent(self, name: str) -> None:
        process = self.agents[name]
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
        self.agents[name] = None

    def stop_all(self) -> None:
        for process in [self.scheduler, *self.agents.values()]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [self.scheduler, *self.agents.values()]:
            if process is None:
                continue
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        subprocess.run(["pkill", "-KILL", "-f", str(self.home / "work")], check=False)  # orphaned solvers


def chaos(processes: Processes, rand: random.Random, stop: threading.Event, calm: threading.Event,
          counts: Counter) -> None:
    """Until `stop`: now and then the scheduler dies and comes back (until `calm`: the last jobs run
    on one scheduler process, so the cores, tokens and slots it counts in memory have seen agents
    die and S3 fail since it started); agents die and come back, a third of them after long enough
    to be lost (a heartbeat interval and the 10 s grace)."""
    next_scheduler = time.monotonic() + rand.uniform(5, 15)
    next_agent = time.monotonic() + rand.uniform(3, 10)
    down: dict[str, float] = {}
    while not stop.wait(0.2):
        now = time.monotonic()
        if now >= next_scheduler and not calm.is_set():
            processes.kill_scheduler()
            counts["scheduler_kills"] += 1
            time.sleep(rand.uniform(0.2, 2.0))
            processes.start_scheduler()
            next_scheduler = time.monotonic() + rand.uniform(5, 15)
        if now >= next_agent:
            up = [n for n, p in processes.agents.items() if p is not None]
            if len(up) > 1:
                name = rand.choice(up)
                processes.kill_agent(name)
                counts["agent_kills"] += 1
                down[name] = now + (rand.uniform(12, 20) if rand.random() < 1 / 3 else rand.uniform(0.5, 3))
            next_agent = now + rand.uniform(3, 10)
        for name, back in list(down.items()):
            if now >= back:
                processes.start_agent(name)
                del down[name]
    for name in down:
        processes.start_agent(name)


def submit_all(processes: Processes, model: Path, extra: list[Path], jobs: int) -> dict[str, str]:
    """Submit `jobs` jobs, each retried with its request id until the scheduler acknowledges it:
    {request id: job id}."""
    acknowledged: dict[str, str] = {}
    address = f"127.0.0.1:{processes.submission_port}"

    def one(i: int) -> None:
        request_id = f"chaos-{i}"
        with Client(address, token=processes.user_token, retries=8, timeout=30) as client:
            while True:
                try:
                    acknowledged[request_id] = client.submit(model, cpus=1, files=extra,
                                                             request_id=request_id).id
                    return
                except AbaqueueError:
                    time.sleep(1)  # not acknowledged: the same request id again

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(jobs)))
    return acknowledged


def admin_call(processes: Processes, call):
    with Client(f"127.0.0.1:{processes.submission_port}", token=processes.admin_token, retries=10) as admin:
        return call(admin)


def journal(home: Path) -> list[tuple[str, str, int, str | None, float, str]]:
    """Every call about an attempt the agents made: (method, job, attempt, outcome, sent, answer)."""
    calls = []
    for path in sorted(home.glob("node-*.log*")):
        for line in path.read_text(errors="replace").splitlines():
            m = JOURNAL.search(line)
            if m:
                method, job, attempt, outcome, sent, answer = m.groups()
                calls.append((method, job, int(attempt), outcome, float(sent), answer))
    return calls


def superseded_at(job: Job, attempt: int) -> float:
    """When `attempt` of `job` stopped being current (inf: it still is, or never was)."""
    for record in job.history:
        if record.attempt == attempt:
            return record.end_time
    if job.attempt == attempt and job.state.is_final and job.end_time is not None:
        return job.end_time
    if attempt < job.attempt:
        return job.start_time or float("inf")
    return float("inf")


def check(processes: Processes, acknowledged: dict[str, str]) -> dict:
    store = SqliteStore(processes.database)
    try:
        mine = [j for page in _pages(store) for j in page if j.owner == USER]
    finally:
        store.close()
    by_id = {j.id: j for j in mine}
    per_request = Counter(j.request_id for j in mine)
    lost = sum(1 for job_id in acknowledged.values() if job_id not in by_id or not by_id[job_id].state.is_final)
    successes: dict[str, set[int]] = defaultdict(set)
    stale = []
    for method, job_id, attempt, outcome, sent, answer in journal(processes.home):
        job = by_id.get(job_id)
        if answer != "OK" or job is None:
            continue
        if method == "CompleteJob" and outcome == SUCCEEDED:
            successes[job_id].add(attempt)
        if sent > superseded_at(job, attempt):
            stale.append((method, job_id, attempt, sent))
    duplicated = sum(n - 1 for n in per_request.values() if n > 1) + sum(1 for a in successes.values() if len(a) > 1)
    return {"lost": lost, "duplicated": duplicated, "stale_writes_accepted": len(stale), "stale_examples": stale[:5],
            "final_states": dict(Counter(j.state.value for j in mine)),
            "attempts": dict(Counter(j.attempt for j in mine))}


def _pages(store: SqliteStore):
    cursor = None
    while True:
        page = store.list(page_size=1000, cursor=cursor)
        yield page.jobs
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def leaks(processes: Processes, lease_s: float = 10.0) -> dict:
    """Slots, tokens and cores still counted once every job has ended (after a lease, so slots a
    killed agent held have lapsed)."""
    time.sleep(lease_s + 2)
    stats = admin_call(processes, lambda a: a.queue_stats())
    nodes = admin_call(processes, lambda a: a.nodes())
    return {"leaked_slots": sum(n.transfer_slots.held + n.transfer_slots.waiting for n in nodes),
            "leaked_tokens": stats.license_tokens_in_use, "leaked_cores": stats.cores_in_use}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jobs", type=int, default=int(os.environ.get("CHAOS_JOBS") or 2000))
    p.add_argument("--agents", type=int, default=4)
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--s3-fault-rate", type=float, default=0.03, help="share of S3 requests that fail")
    p.add_argument("--deadline", type=float, default=3600.0, help="seconds before unfinished jobs count as lost")
    p.add_argument("--keep", type=Path, help="run in this directory and keep it (logs, store)")
    a = p.parse_args(argv)
    rand = random.Random(a.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="abaqueue-chaos-") as tmp:
        home = (a.keep or Path(tmp)).resolve()
        home.mkdir(parents=True, exist_ok=True)
        s3 = start_seaweed(home / "s3")
        anything = lambda method, target: True  # noqa: E731
        proxy = FaultProxy(s3.endpoint.removeprefix("http://"), seed=a.seed, faults=[
            Fault(anything, "status", times=0, rate=a.s3_fault_rate * 2 / 3, status=503),
            Fault(anything, "reset", times=0, rate=a.s3_fault_rate / 3)])
        processes = Processes(home, s3, proxy, a.agents)
        counts: Counter = Counter()
        stop = threading.Event()
        try:
            processes.start_scheduler()
            # many jobs at once, and the license tokens counted (5 a job: 12 at once of 16 cores)
            admin_call(processes, lambda c: c.update_queue_settings(
                max_concurrent=100, user_max_concurrent=100, license_tokens_total=60))
            for name in processes.agents:
                processes.start_agent(name)
            model, extra = beam(home / "model", seconds=1, increments=2)
            calm = threading.Event()
            troublemaker = threading.Thread(target=chaos, args=(processes, rand, stop, calm, counts))
            troublemaker.start()
            try:
                acknowledged = submit_all(processes, model, extra, a.jobs)
                deadline = started + a.deadline
                while time.monotonic() < deadline and (left := _unfinished(processes)) != 0:
                    if left is not None and left <= a.jobs * CALM_SHARE:
                        calm.set()
                    time.sleep(2)
            finally:
                stop.set()
                troublemaker.join()
            if processes.scheduler.poll() is not None:
                processes.start_scheduler()
            _wait_all_final(processes, timeout=120)
            found = leaks(processes)
            processes.stop_all()
            result = check(processes, acknowledged)
        finally:
            stop.set()
            processes.stop_all()
            proxy.close()
            s3.stop()
    faults = Counter(seen.fault for seen in proxy.seen if seen.fault)
    summary = {"jobs": a.jobs, "acknowledged": len(acknowledged), **result, **found,
               "scheduler_kills": counts["scheduler_kills"], "agent_kills": counts["agent_kills"],
               "s3_requests": len(proxy.seen), "s3_faults": dict(faults), "seed": a.seed,
               "seconds": round(time.monotonic() - started, 1)}
    examples = summary.pop("stale_examples")
    if examples:
        print("stale calls accepted (method, job, attempt, sent):", examples)
    print(json.dumps(summary))
    bad = (summary["lost"], summary["duplicated"], summary["stale_writes_accepted"], summary["leaked_slots"],
           summary["leaked_tokens"], summary["leaked_cores"])
    return 0 if not any(bad) else 1


def _unfinished(processes: Processes) -> int | None:
    """Jobs not in a final state (None: the scheduler did not answer)."""
    try:
        return sum(admin_call(processes, lambda a: a.queue_stats()).by_state.values())
    except AbaqueueError:
        return None


def _wait_all_final(processes: Processes, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _unfinished(processes) != 0:
        time.sleep(1)


if __name__ == "__main__":
    raise SystemExit(main())
