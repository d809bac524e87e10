"""The queue through the real ports, the library and the CLI: priorities, reasons, approval,
limits that survive a restart, draining, license tokens, stats and cleanup."""

from __future__ import annotations

import json
import random
import time

import pytest

from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2 as pb
from client import JobState
from client.api import open_channel
from client.cli import main as cli
from scheduler.blobs import S3Blobs, S3Settings
from scheduler.config import SchedulerConfig
from scheduler.domain.identity import Role
from scheduler.execution import LONG_POLL_SPREAD
from scheduler.server import SchedulerServer
from tests.integration.conftest import SIM, Cluster


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.inp"
    path.write_bytes(b"*Heading\n** abaqus-sim: seconds=0\n")
    return path


def node_stub(cluster, name: str, cpus: int = 8, **fields) -> ex_grpc.ExecutionServiceStub:
    stub = ex_grpc.ExecutionServiceStub(open_channel(cluster.execution, cluster.token(name, Role.NODE)))
    stub.RegisterNode(ex.RegisterNodeRequest(
            protocol_version=PROTOCOL_VERSION, node_name=name, cpus=cpus, **fields), timeout=5)
    return stub


def take(stub, name: str) -> str:
    """The id of the job the node is given (empty when the long-poll ends with nothing)."""
    return stub.AcquireJob(ex.AcquireJobRequest(node_name=name), timeout=10).assignment.job_attempt.job_id


def run_cli(capsys, cluster, tmp_path, user: str, role: Role, *argv: str) -> tuple[int, str, str]:
    token_file = tmp_path / f"{user}.token"
    if not token_file.exists():
        token_file.write_text(cluster.token(user, role))
    code = cli(["--scheduler", cluster.submission, "--token-file", str(token_file), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("cluster", [{"long_poll_timeout_s": 0.5}], indirect=True)
def test_higher_priority_first_fifo_within_and_why_shows_every_reason(cluster, model, capsys, tmp_path):
    with cluster.client("root", Role.ADMIN) as admin:
        admin.update_queue_settings(max_concurrent=100, user_max_concurrent=100)
    with cluster.client("ana") as ana, cluster.client("lea", Role.LEAD, "crash") as lea:
        low = ana.submit(model, cpus=1, priority=0)
        normal1 = ana.submit(model, cpus=1)
        high = lea.submit(model, cpus=1)  # a lead's default: high
        normal2 = ana.submit(model, cpus=1)
        assert (low.priority, normal1.priority, high.priority) == (0, 10, 20)
        waiting = ana.get(normal2.id)
        assert waiting.queue_position == 3 and [r.code for r in waiting.reasons] == ["jobs_ahead", "no_node"]
        code, out, _ = run_cli(capsys, cluster, tmp_path, "ana", Role.DEVELOPER, "jobs", "why", normal2.id)
        assert code == 0 and "position 3 in the queue" in out and "2 jobs ahead of it" in out
        assert "no node is registered" in out and "[no_node]" in out
        code, out, _ = run_cli(capsys, cluster, tmp_path, "ana", Role.DEVELOPER, "queue", "position", low.id)
        assert (code, out.strip()) == (0, "4")
    node = node_stub(cluster, "n1", cpus=1)
    assert take(node, "n1") == high.id
    with cluster.client("ana") as ana:
        assert [r.code for r in ana.get(normal1.id).reasons] == ["no_free_cores"]
        assert "needs 1 cores; the most free on a node that could run it is 0" in ana.get(normal1.id).reasons[0].message
    for expected in (normal1.id, normal2.id, low.id):  # then FIFO within normal, then low
        done = cluster.server.store.get(expected)
        node.CompleteJob(ex.CompleteJobRequest(job_attempt=_current(cluster, node, "n1"),
                                               outcome=ex.OUTCOME_FAILED, error_class=pb.ERROR_CLASS_SYSTEM,
                                               error_message="test"), timeout=5)
        assert take(node, "n1") == done.id


def wait_for(probe, seconds: float = 10.0):
    """The first truthy answer of `probe`, asked until `seconds` pass (then its last answer)."""
    deadline = time.monotonic() + seconds
    while not (answer := probe()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return answer


def _current(cluster, stub, name: str) -> ex.JobAttempt:
    [job_id] = cluster.server.nodes.jobs_on(name)
    return ex.JobAttempt(job_id=job_id, attempt=cluster.server.store.get(job_id).attempt)


@pytest.mark.parametrize("cluster", [{"long_poll_timeout_s": 0.5}], indirect=True)
def test_a_job_needing_approval_stays_blocked_until_approved_and_a_rejection_is_kept(
        cluster, model, capsys, tmp_path):
    code, out, _ = run_cli(capsys, cluster, tmp_path, "root", Role.ADMIN, "admin", "limits",
                           "--approval-cpus-over", "2", "--json")
    assert code == 0 and json.loads(out)["approval_cpus_over"] == 2
    node = node_stub(cluster, "n1", cpus=8)
    with cluster.client("ana") as ana:
        big = ana.submit(model, cpus=4)
        asked = ana.submit(model, cpus=1, requires_approval=True)
        assert big.state is JobState.BLOCKED and asked.state is JobState.BLOCKED
        assert [r.code for r in big.reasons] == ["awaiting_approval"]
        assert "4 cores, over the 2 that need approval" in big.reasons[0].message
        assert take(node, "n1") == ""  # no BLOCKED job runs
        assert ana.my_queue().blocked and len(ana.my_queue().blocked) == 2
        code, _, err = run_cli(capsys, cluster, tmp_path, "ana", Role.DEVELOPER, "admin", "approve", big.id)
        assert code == 2 and "only admins may approve jobs" in err
    code, out, _ = run_cli(capsys, cluster, tmp_path, "root", Role.ADMIN, "admin", "approve", big.id)
    assert code == 0 and "WAITING" in out
    assert take(node, "n1") == big.id
    code, out, _ = run_cli(capsys, cluster, tmp_path, "root", Role.ADMIN, "admin", "reject", asked.id,
                           "--reason", "use 1 core at night")
    assert code == 0 and "CANCELLED" in out
    with cluster.client("ana") as ana:
        rejected = ana.get(asked.id)
        assert rejected.state is JobState.CANCELLED
        assert rejected.error_message == "rejected by root: use 1 core at night"
    code, _, err = run_cli(capsys, cluster, tmp_path, "root", Role.ADMIN, "admin", "approve", asked.id)
    assert code == 2 and "does not await approval" in err


@pytest.mark.parametrize("cluster", [{"long_poll_timeout_s": 0.5}], indirect=True)
def test_license_tokens_hold_a_job_with_the_numbers(cluster, model):
    with cluster.client("root", Role.ADMIN) as admin:
        admin.update_queue_settings(license_tokens_total=10)
    node = node_stub(cluster, "n1", cpus=16)
    with cluster.client("ana") as ana:
        first = ana.submit(model, cpus=4)  # floor(5 x 4^0.422) = 8 tokens
        second = ana.submit(model, cpus=4)
        assert (first.license_tokens, second.license_tokens) == (8, 8)
        assert take(node, "n1") == first.id
        assert take(node, "n1") == ""
        reasons = {r.code: r.message for r in ana.get(second.id).reasons}
        assert reasons["license_tokens"] == "needs 8 license tokens, 2 free of 10"
        with pytest.raises(Exception, match="more than the cluster's 10 license tokens"):
            ana.submit(model, cpus=1, license_tokens=11)


@pytest.mark.parametrize("cluster", [{"long_poll_timeout_s": 0.5}], indirect=True)
def test_a_drained_node_takes_nothing_until_resumed(cluster, model, capsys, tmp_path):
    node = node_stub(cluster, "n1", cpus=4, labels={"site": "osaka-2"})
    code, out, _ = run_cli(capsys, cluster, tmp_path, "root", Role.ADMIN, "nodes", "drain", "n1")
    assert code == 0 and "drained" in out
    with cluster.client("ana") as ana:
        job = ana.submit(model, cpus=1, labels={"site": "osaka-*"})
        assert take(node, "n1") == ""
        assert [r.code for r in ana.get(job.id).reasons] == ["nodes_drained"]
        code, out, _ = run_cli(capsys, cluster, tmp_path, "ana", Role.DEVELOPER, "nodes", "list", "--json")
        [listed] = json.loads(out)
        assert listed["name"] == "n1" and listed["drained"] and listed["labels"] == {"site": "osaka-2"}
        assert run_cli(capsys, cluster, tmp_path, "root", Role.ADMIN, "nodes", "resume", "n1")[0] == 0
        assert take(node, "n1") == job.id
        other = ana.submit(model, cpus=1, labels={"site": "munich"})
        assert [r.code for r in ana.get(other.id).reasons] == ["no_matching_node"]


def test_settings_and_drained_nodes_survive_a_restart(cluster, loop_thread):
    with cluster.client("root", Role.ADMIN) as admin:
        admin.update_queue_settings(max_concurrent=40, enable_fair_share=True, starvation_threshold_minutes=15.5)
        admin.drain("n7")
    config = cluster.server.config

    async def restart():
        await cluster.server.stop(grace=0)
        server = SchedulerServer(config)
        await server.start()
        return server

    cluster.server = loop_thread.run(restart())
    with cluster.client("root", Role.ADMIN) as admin:
        settings = admin.queue_settings()
        assert (settings["max_concurrent"], settings["enable_fair_share"]) == (40, True)
        assert settings["starvation_threshold_minutes"] == 15.5 and settings["user_max_concurrent"] == 2
    node_stub(cluster, "n7")  # registers after the restart: still drained
    with cluster.client("ana") as ana:
        [n7] = ana.nodes()
        assert n7.drained


def test_stats_and_my_queue(cluster, model, capsys, tmp_path):
    with cluster.client("ana") as ana, cluster.client("ben") as ben:
        ana.submit(model, cpus=1)
        ana.submit(model, cpus=2)
        ben.submit(model, cpus=1)
        mine = ana.my_queue()
        assert (len(mine.pending), len(mine.running), len(mine.blocked), mine.best_position) == (2, 0, 0, 1)
        stats = ana.queue_stats()
        assert (stats.queue_depth, stats.running, stats.max_concurrent, stats.user_max_concurrent) == (3, 0, 5, 2)
        assert stats.by_user == {}  # other people's names are for admins
    code, out, _ = run_cli(capsys, cluster, tmp_path, "root", Role.ADMIN, "queue", "stats", "--json")
    assert code == 0 and json.loads(out)["by_user"] == {"ana": 2, "ben": 1}
    code, out, _ = run_cli(capsys, cluster, tmp_path, "ana", Role.DEVELOPER, "queue", "me")
    assert code == 0 and "2 waiting, 0 running, 0 blocked; best position 1" in out


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def test_cleanup_deletes_old_finished_jobs_and_their_files_never_active_ones(seaweed, loop_thread, tmp_path, model):
    clock = Clock()
    s3 = S3Settings(bucket=seaweed.bucket, endpoint_url=seaweed.endpoint, access_key_id=seaweed.access_key,
                    secret_access_key=seaweed.secret_key)
    config = SchedulerConfig(s3=s3, database=tmp_path / "s.sqlite3", port_for_submission=0, port_for_execution=0)

    async def start():
        server = SchedulerServer(config, clock=clock)
        await server.start()
        return server

    cluster = Cluster(loop_thread.run(start()), loop_thread, tmp_path)
    try:
        with cluster.client("ana", inline_bytes=0) as ana, cluster.client("root", Role.ADMIN) as admin:
            old = ana.submit(model, cpus=1)
            ana.cancel(old.id)
            keep = ana.submit(model, cpus=1)  # waiting: active, never cleaned
            clock.offset += 3 * 86400
            recent = ana.submit(model, cpus=1)
            ana.cancel(recent.id)
            blobs = S3Blobs(s3)
            assert blobs.size_of(f"jobs/{old.id}/inputs/m.inp") is not None
            assert admin.cleanup(2) == 1
            assert blobs.size_of(f"jobs/{old.id}/inputs/m.inp") is None
            assert blobs.size_of(f"jobs/{recent.id}/inputs/m.inp") is not None
            assert {j.id for j in admin.list()} == {keep.id, recent.id}
            with pytest.raises(Exception, match="out of range 1..365"):
                admin.cleanup(0)
    finally:
        cluster.close()



@pytest.mark.parametrize("cluster", [{"long_poll_timeout_s": 0.5}], indirect=True)
def test_a_node_with_the_license_tools_reports_what_others_use(cluster, model, monkeypatch):
    monkeypatch.setenv("ABAQUS_SIM_LICENSES", "20,15")  # 15 tokens taken outside Abaqueue
    cluster.add_agent("lic-node", cpus=1, license_command=(str(SIM), "licensing", "lmstat", "-a"),
                      license_check_interval_s=0.2)
    node = node_stub(cluster, "n1", cpus=8)
    with cluster.client("ana") as ana:
        job = ana.submit(model, cpus=4)  # needs 8 tokens
        reasons = wait_for(lambda: {r.code: r.message for r in ana.get(job.id).reasons
                                    if r.code == "license_tokens"})
        assert reasons["license_tokens"] == "needs 8 license tokens, 5 free of 20; 15 in use outside Abaqueue"
        assert ana.queue_stats().license_tokens_total == 20
        monkeypatch.setenv("ABAQUS_SIM_LICENSES", "20,2")  # the others are done
        assert wait_for(lambda: take(node, "n1")) == job.id


class _Shortest(random.Random):
    """Always the shortest share of the long-poll timeout, noting the range asked for."""

    def uniform(self, a: float, b: float) -> float:
        self.asked = (a, b)
        return a


@pytest.mark.parametrize("cluster", [{"long_poll_timeout_s": 4}], indirect=True)
def test_empty_long_polls_end_at_a_random_share_of_the_timeout(cluster):
    """Agents that came up together must not all ask again in the same instant: each poll draws its
    own wait, here the shortest (half of 4 s), so a call allowed 3.5 s gets its empty answer."""
    cluster.server.execution.rand = spread = _Shortest()
    node = node_stub(cluster, "n1")
    answer = node.AcquireJob(ex.AcquireJobRequest(node_name="n1"), timeout=3.5)
    assert not answer.HasField("assignment")
    assert spread.asked == LONG_POLL_SPREAD == (0.5, 1.0)
