"""A real cluster on loopback: the scheduler and agents in-process (in one background asyncio
loop), real gRPC between them, real SeaweedFS for files, and the simulator as the solver."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from client import Client
from client.cli import main as cli_main
from node_agent.agent import Agent
from node_agent.config import AgentConfig
from scheduler.blobs import S3Settings
from scheduler.config import SchedulerConfig
from scheduler.devstack.s3_faults import FaultProxy
from scheduler.domain.identity import Principal, Role
from scheduler.server import SchedulerServer
from scheduler.tokens import TokenBook

SIM = Path(sys.executable).parent / "abaqus-sim"


@dataclass
class Cluster:
    server: SchedulerServer
    loop_thread: object
    workdir: Path
    agents: list[Agent] = field(default_factory=list)
    _stops: list = field(default_factory=list)
    # Where tokens are made: the scheduler's own store unless it uses a token database elsewhere.
    book: TokenBook | None = None

    @property
    def submission(self) -> str:
        return f"127.0.0.1:{self.server.submission_port}"

    @property
    def execution(self) -> str:
        return f"127.0.0.1:{self.server.execution_port}"

    def token(self, user: str = "ana", role: Role = Role.DEVELOPER, team: str = "") -> str:
        secret, _ = (self.book or self.server.tokens).create(Principal(user, role, team))
        return secret

    def client(self, user: str = "ana", role: Role = Role.DEVELOPER, team: str = "", **options: Any) -> Client:
        return Client(self.submission, token=self.token(user, role, team), **options)

    def cli(self, capsys, *argv: str, user: str = "ana", role: Role = Role.DEVELOPER) -> tuple[int, str, str]:
        """Exit code, stdout and stderr of `abaqueue ARGV` against this cluster as `user`."""
        token_file = self.workdir / f"{user}.cli.token"
        if not token_file.exists():
            token_file.write_text(self.token(user, role))
        code = cli_main(["--scheduler", self.submission, "--token-file", str(token_file), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    def add_agent(self, name: str = "node-1", cpus: int = 4, work_dir: Path | None = None, **settings) -> Agent:
        token_file = self.workdir / f"{name}.token"
        token_file.write_text(self.token(name, Role.NODE))
        config = AgentConfig(scheduler=self.execution, token_file=token_file, node_name=name, cpus=cpus,
                             work_dir=work_dir or self.workdir / name, abaqus_command=(str(SIM),),
                             progress_interval_s=0.2, stop_grace_s=5, **settings)

        async def start():
            agent = Agent(config)
            stopping = asyncio.Event()
            task = asyncio.ensure_future(agent.run(stopping))
            await asyncio.wait_for(agent.registered.wait(), 10)
            return agent, stopping, task

        agent, stopping, task = self.loop_thread.run(start())
        self.agents.append(agent)
        self._stops.append((stopping, task))
        return agent

    def stop_agent(self, agent: Agent) -> None:
        """Stop one agent as its service would be stopped; what it runs is left running."""
        stopping, task = self._stops.pop(self.agents.index(agent))
        self.agents.remove(agent)

        async def stop():
            stopping.set()
            await asyncio.wait_for(task, 20)

        self.loop_thread.run(stop())

    def close(self) -> None:
        async def stop():
            for stopping, task in self._stops:
                stopping.set()
                await asyncio.wait_for(task, 20)
            await self.server.stop(grace=1)

        self.loop_thread.run(stop())


@pytest.fixture(autouse=True)
def no_profile(tmp_path, monkeypatch):
    """No profile or environment of whoever runs the tests leaks into the clients."""
    monkeypatch.setenv("ABAQUEUE_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("ABAQUEUE_PROFILE", "ABAQUEUE_ADDRESS", "ABAQUEUE_SCHEDULER", "ABAQUEUE_TOKEN",
                 "ABAQUEUE_TOKEN_FILE", "ABAQUEUE_CA_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s3_proxy(seaweed):
    """A fault-injecting proxy in front of SeaweedFS (no faults until a test adds them)."""
    proxy = FaultProxy(seaweed.endpoint.removeprefix("http://"))
    yield proxy
    proxy.close()


@pytest.fixture
def cluster(seaweed, loop_thread, tmp_path, request):
    """Parametrize indirectly with a dict to change SchedulerConfig fields (a relative Path is taken
    under the test's tmp_path); with "via_proxy": True every S3 request (and so every presigned URL)
    goes through the `s3_proxy` fixture, and "url_expiry_seconds" sets how long presigned URLs live."""
    params = {k: tmp_path / v if isinstance(v, Path) and not v.is_absolute() else v
              for k, v in getattr(request, "param", {}).items()}
    endpoint = request.getfixturevalue("s3_proxy").endpoint if params.pop("via_proxy", False) else seaweed.endpoint
    config = SchedulerConfig(
        s3=S3Settings(bucket=seaweed.bucket, endpoint_url=endpoint, access_key_id=seaweed.access_key,
                      secret_access_key=seaweed.secret_key,
                      url_expiry_seconds=params.pop("url_expiry_seconds", 900)),
        database=tmp_path / "scheduler.sqlite3", port_for_submission=0, port_for_execution=0,
        **{"heartbeat_interval_s": 0.5, "long_poll_timeout_s": 5, **params},
    )

    async def start():
        server = SchedulerServer(config)
        await server.start()
        return server

    c = Cluster(loop_thread.run(start()), loop_thread, tmp_path)
    yield c
    c.close()
