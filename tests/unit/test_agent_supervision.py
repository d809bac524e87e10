"""The agent's loops under supervision, against a scripted scheduler on a real loopback gRPC
server: an error no retry can fix ends the agent with an error (so its service manager restarts
it), a passing one is retried with backoff, and a state record that cannot be taken up is set aside
rather than stopping every start."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import shutil

import grpc
import pytest

from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from node_agent.agent import Agent, AgentFailed
from node_agent.config import AgentConfig
from node_agent.link import SchedulerLink
from node_agent.local_state import FILE_NAME, SET_ASIDE_NAME
from node_agent.main import main

JOB = "3f2c" * 8


class Scheduler(ex_grpc.ExecutionServiceServicer):
    """Answers as told: `registrations` lists the code for each RegisterNode in turn (OK when the
    list runs out), `heartbeat` the code of every heartbeat."""

    def __init__(self, registrations=(), heartbeat=grpc.StatusCode.OK, on_acquire=None) -> None:
        self.registrations = list(registrations)
        self.heartbeat = heartbeat
        self.on_acquire = on_acquire
        self.registered: list[ex.RegisterNodeRequest] = []
        self.acquired = 0

    async def RegisterNode(self, request, context):  # noqa: N802 - gRPC's name
        self.registered.append(request)
        code = self.registrations.pop(0) if self.registrations else grpc.StatusCode.OK
        if code != grpc.StatusCode.OK:
            await context.abort(code, "the node's token lacks the node role")
        resp = ex.RegisterNodeResponse()
        resp.heartbeat_interval.FromMilliseconds(50)
        resp.long_poll_timeout.FromMilliseconds(100)
        return resp

    async def Heartbeat(self, request, context):  # noqa: N802
        if self.heartbeat != grpc.StatusCode.OK:
            await context.abort(self.heartbeat, "unknown node node-9")
        return ex.HeartbeatResponse()

    async def AcquireJob(self, request, context):  # noqa: N802
        self.acquired += 1
        if self.on_acquire is not None:
            self.on_acquire(self.acquired)
        await asyncio.sleep(0.05)  # a long-poll that timed out: no work
        return ex.AcquireJobResponse()


async def serve(servicer: Scheduler) -> tuple[grpc.aio.Server, str]:
    server = grpc.aio.server()
    ex_grpc.add_ExecutionServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, f"127.0.0.1:{port}"


def config(address: str, tmp_path) -> AgentConfig:
    return AgentConfig(scheduler=address, node_name="node-9", cpus=2, work_dir=tmp_path / "work",
                       min_free_disk_bytes=1)


async def run_agent(servicer: Scheduler, tmp_path, until=None, sleep=None) -> Agent:
    """Run an agent until `until()` holds (then stop it) or it ends by itself."""
    server, address = await serve(servicer)
    agent = Agent(config(address, tmp_path), SchedulerLink(address), **({"sleep": sleep} if sleep else {}))
    stopping = asyncio.Event()
    try:
        task = asyncio.ensure_future(agent.run(stopping))
        if until is not None:
            deadline = asyncio.get_running_loop().time() + 10
            while not until() and not task.done():
                assert asyncio.get_running_loop().time() < deadline, "the agent did not get there"
                await asyncio.sleep(0.01)
            stopping.set()
        await asyncio.wait_for(task, 10)
    finally:
        await server.stop(0)
    return agent


def test_a_refused_re_registration_ends_the_agent_with_an_error(tmp_path, caplog):
    """The scheduler forgot the node (NOT_FOUND), and then refuses it (PERMISSION_DENIED): the
    heartbeat loop cannot go on, so the agent must not stay up doing nothing."""
    servicer = Scheduler(registrations=[grpc.StatusCode.OK, grpc.StatusCode.PERMISSION_DENIED],
                         heartbeat=grpc.StatusCode.NOT_FOUND)
    with caplog.at_level(logging.ERROR), pytest.raises(AgentFailed, match="heartbeat: PERMISSION_DENIED"):
        asyncio.run(run_agent(servicer, tmp_path))
    assert len(servicer.registered) == 2
    assert "the heartbeat loop failed (PERMISSION_DENIED" in caplog.text


def test_the_command_exits_non_zero_when_the_agent_fails(tmp_path, loop_thread):
    """`abaqueue-agent run` (what the service runs) ends with exit code 1: its token is refused."""
    server, address = loop_thread.run(serve(Scheduler(heartbeat=grpc.StatusCode.UNAUTHENTICATED)))
    path = tmp_path / "agent.toml"
    path.write_text(f'scheduler = "{address}"\nnode_name = "node-9"\nwork_dir = "{tmp_path / "work"}"\n'
                    "min_free_disk_bytes = 1\n")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert main(["run", "--config", str(path)]) == 1
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        loop_thread.run(server.stop(0))


def test_a_disk_check_that_fails_is_retried_with_backoff(tmp_path, caplog):
    work = tmp_path / "work"
    waits: list[float] = []

    def first_poll_loses_the_disk(count: int) -> None:
        if count == 1:
            shutil.rmtree(work)  # as a work directory on a vanished volume: disk_usage raises

    async def disk_comes_back(seconds: float) -> None:
        waits.append(seconds)
        if "acquiring work" in caplog.text:  # not before: the clean-up, failing too, sleeps here as well
            work.mkdir(exist_ok=True)
        await asyncio.sleep(0)

    servicer = Scheduler(on_acquire=first_poll_loses_the_disk)
    with caplog.at_level(logging.WARNING):
        asyncio.run(run_agent(servicer, tmp_path, until=lambda: servicer.acquired >= 2, sleep=disk_comes_back))
    assert servicer.acquired >= 2 and waits and all(0 < w <= 60 for w in waits)
    assert "acquiring work: FileNotFoundError" in caplog.text


def test_a_record_whose_assignment_does_not_decode_is_set_aside(tmp_path, caplog):
    work = tmp_path / "work"
    work.mkdir()
    bad = {"job_id": JOB, "attempt": 1, "assignment": base64.b64encode(b"\x0a\xff\xff").decode(), "phase": "solving"}
    (work / FILE_NAME).write_text(json.dumps({"runs": [bad]}))
    servicer = Scheduler()
    with caplog.at_level(logging.ERROR):
        agent = asyncio.run(run_agent(servicer, tmp_path, until=lambda: servicer.acquired >= 1))
    assert agent.runs == {} and list(servicer.registered[0].running) == []
    assert not (work / FILE_NAME).exists()
    aside = json.loads((work / SET_ASIDE_NAME).read_text())
    assert aside["run"].items() >= bad.items() and "does not decode" in aside["reason"]
