"""`make run` and `make demo`: SeaweedFS, the scheduler and one simulator agent on loopback.

    python -m scheduler.devstack.stack run    # stays up until Ctrl-C, then stops everything
    python -m scheduler.devstack.stack demo   # submits the example, checks the results, stops
"""

from __future__ import annotations

import _thread
import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from ..domain.identity import Principal, Role
from ..store import SqliteStore
from ..tokens import TokenBook, write_secret
from .health import wait_serving
from .ports import preferred_or_free_port
from .seaweed import SeaweedS3, start_seaweed

BIN = Path(sys.executable).parent
NODE_NAME = "local-node"


class LocalStack:
    """Starts the three processes; `close()` stops them in reverse order."""

    def __init__(self, home: Path, *, submission_port: int, execution_port: int, agent_cpus: int = 4,
                 s3: SeaweedS3 | None = None, metrics_port: int | None = None, web_port: int | None = None) -> None:
        self.home = home.resolve()
        self.submission_port = submission_port
        self.execution_port = execution_port
        self.metrics_port = metrics_port
        self.web_port = web_port
        self.agent_cpus = agent_cpus
        self.s3 = s3
        self._own_s3 = s3 is None
        self._processes: list[tuple[str, subprocess.Popen]] = []
        self._logs = ExitStack()

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self._logs.enter_context(open(self.home / f"{name}.log", "ab"))
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **env}, cwd=self.home)
        self._processes.append((name, process))
        return process

    @property
    def admin_token_file(self) -> Path:
        return self.home / "admin.token"

    def _issue_tokens(self, database: Path) -> Path:
        """The admin token for the CLI and a node token for the local agent, written beside the
        store before the scheduler opens it; kept across runs. Returns the node's token file."""
        node_token = self.home / "node.token"
        store = SqliteStore(database)
        try:
            tokens = TokenBook(store)
            tokens.bootstrap(self.admin_token_file)
            if not node_token.exists():
                secret, _ = tokens.create(Principal(NODE_NAME, Role.NODE), description="make run's local agent")
                write_secret(node_token, secret)
        finally:
            store.close()
        return node_token

    def start(self) -> LocalStack:
        self.home.mkdir(parents=True, exist_ok=True)
        database = self.home / "scheduler.sqlite3"
        node_token = self._issue_tokens(database)
        if self._own_s3:
            self.s3 = start_seaweed(self.home / "s3")
        env = {"AWS_ACCESS_KEY_ID": self.s3.access_key, "AWS_SECRET_ACCESS_KEY": self.s3.secret_key}
        scheduler = self._spawn("scheduler", [
            str(BIN / "abaqueue-scheduler"), "--port-for-submission", str(self.submission_port),
            "--port-for-execution", str(self.execution_port), "--database", str(database),
            "--s3-endpoint", self.s3.endpoint, "--bucket", self.s3.bucket, "--heartbeat-interval", "2",
            *(["--metrics-port", str(self.metrics_port), "--metrics-sample-seconds", "2"]
              if self.metrics_port is not None else []),
            *(["--web-port", str(self.web_port)] if self.web_port is not None else []),
        ], env)
        wait_serving(self.submission_port, scheduler, "scheduler")
        config = self.home / "agent.toml"
        config.write_text(
            f'scheduler = "127.0.0.1:{self.execution_port}"\nnode_name = "{NODE_NAME}"\n'
            f"token_file = {str(node_token)!r}\n"
            f"cpus = {self.agent_cpus}\nwork_dir = {str(self.home / 'work')!r}\n"
            f"abaqus_command = [{str(BIN / 'abaqus-sim')!r}]\nprogress_interval_s = 0.5\nstop_grace_s = 5\n"
            "min_free_disk_bytes = 100_000_000\n")  # a laptop's disk: the simulator writes little
        self._spawn("agent", [str(BIN / "abaqueue-agent"), "run", "--config", str(config)], {})
        return self

    def close(self) -> None:
        for _, process in reversed(self._processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(self._processes):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        if self._own_s3 and self.s3:
            self.s3.stop()
        self._logs.close()

    def dead(self) -> list[str]:
        """Names of the started processes that have exited."""
        return [name for name, p in self._processes if p.poll() is not None]

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


SUBMIT = "submit examples/beam/beam.inp --file examples/beam/beam_material.inp --cpus 2 --wait"


def run(stack: LocalStack) -> int:
    address = f"127.0.0.1:{stack.submission_port}"
    print(f"""
Abaqueue local stack is up (logs and data in {stack.home}):
  submission port  127.0.0.1:{stack.submission_port}   (people: CLI, Python library, grpcurl)
  execution port   127.0.0.1:{stack.execution_port}   (agents; one local agent runs abaqus-sim)
  S3 (SeaweedFS)   {stack.s3.endpoint}   bucket {stack.s3.bucket}
  metrics          http://127.0.0.1:{stack.metrics_port}/metrics   (Prometheus)
  dashboard        http://127.0.0.1:{stack.web_port}/   (sign in with the admin token below)

Submit the sample model and follow it (the admin token was written to {stack.admin_token_file}):
  export ABAQUEUE_TOKEN_FILE={stack.admin_token_file}
  .venv/bin/abaqueue --scheduler {address} {SUBMIT}

Press Ctrl-C to stop everything.""", flush=True)
    try:
        while not (dead := stack.dead()):
            time.sleep(0.5)
        print(f"{', '.join(dead)} exited (see its log in {stack.home}); stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


DEMO_DEADLINE_S = 110.0


def _watchdog(stack: LocalStack, deadline_s: float, failure: list[str]) -> threading.Event:
    """Interrupts the main thread if a process of the stack dies or the deadline passes,
    so the demo never hangs on a job nobody will run."""
    done = threading.Event()

    def watch() -> None:
        end = time.monotonic() + deadline_s
        while not done.wait(0.5):
            dead = stack.dead()
            if dead or time.monotonic() > end:
                failure.append(f"{', '.join(dead)} exited (see its log in {stack.home})" if dead
                               else f"the demo did not finish within {deadline_s:.0f} s")
                _thread.interrupt_main()
                return

    threading.Thread(target=watch, daemon=True).start()
    return done


def demo(stack: LocalStack, example: Path) -> int:
    failure: list[str] = []
    done = _watchdog(stack, DEMO_DEADLINE_S, failure)
    try:
        return _demo(stack, example)
    except KeyboardInterrupt:
        print(f"demo failed: {failure[0] if failure else 'interrupted'}", file=sys.stderr)
        return 1
    finally:
        done.set()


def _demo(stack: LocalStack, example: Path) -> int:
    from client import Client
    from client.cli import main as cli

    address = f"127.0.0.1:{stack.submission_port}"
    token_file = stack.admin_token_file
    with Client(address, token=token_file.read_text().strip()) as client:
        job = client.submit(example / "beam.inp", cpus=2, files=[example / "beam_material.inp"])
        print(f"demo: submitted job {job.id}")
        # the CLI shows the solver's progress
        code = cli(["--scheduler", address, "--token-file", str(token_file), "wait", job.id])
        if code != 0:
            return code
        job = client.get(job.id)
        dest = stack.home / "demo-results" / job.id
        paths = client.download_results(job.id, dest)  # verifies every SHA-256 the agent reported
    print(f"demo: job {job.id} {job.state.value}; {len(paths)} result files in {dest}, "
          "each matching the SHA-256 the agent reported")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scheduler.devstack.stack")
    p.add_argument("mode", choices=["run", "demo"])
    p.add_argument("--home", type=Path, help="data and logs (default .abaqueue, or .abaqueue/demo for demo; "
                   "the demo empties its home first)")
    p.add_argument("--example", type=Path, default=Path("examples/beam"))
    a = p.parse_args(argv)
    if a.mode == "demo":
        a.home = a.home or Path(".abaqueue/demo")
        shutil.rmtree(a.home, ignore_errors=True)  # every demo starts from an empty store and bucket
    with LocalStack(a.home or Path(".abaqueue"), submission_port=preferred_or_free_port(50051),
                    execution_port=preferred_or_free_port(50052), metrics_port=preferred_or_free_port(9464),
                    web_port=preferred_or_free_port(8080)) as stack:
        return run(stack) if a.mode == "run" else demo(stack, a.example.resolve())


if __name__ == "__main__":
    raise SystemExit(main())
