"""Per-role job size limits and the per-user submission rate: RESOURCE_EXHAUSTED, nothing stored."""

from __future__ import annotations

import hashlib

import grpc
import pytest

from abaqueue.presigned_http import PresignedTarget, upload
from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2 as pb
from abaqueue.v1 import submission_service_pb2 as sub
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc
from client import ResourceExhausted
from client.api import open_channel
from scheduler.domain.identity import Role
from scheduler.domain.limits import RoleLimits

SMALL_GUESTS = RoleLimits(max_job_bytes={Role.ADMIN: 10**9, Role.DEVELOPER: 10**6, Role.GUEST: 100})


@pytest.mark.parametrize("cluster", [{"role_limits": SMALL_GUESTS}], indirect=True)
def test_a_job_over_the_role_size_limit_is_refused_before_anything_is_stored(cluster, tmp_path):
    model = tmp_path / "big.inp"
    model.write_bytes(b"*Heading\n" + b"** padding\n" * 20)  # 229 bytes
    with cluster.client("gus", Role.GUEST) as guest, pytest.raises(ResourceExhausted) as e:
        guest.submit(model, cpus=1)
    assert e.value.message.startswith("input_files:") and "guest limit of 100 bytes" in e.value.message
    with cluster.client("root", Role.ADMIN) as admin:
        assert list(admin.list()) == []
    with cluster.client("dev", Role.DEVELOPER) as dev:  # the same model is fine for a developer
        assert dev.submit(model, cpus=1).state.value == "WAITING"


@pytest.mark.parametrize("cluster", [{"submit_rate_per_s": 0.5, "submit_burst": 2}], indirect=True)
def test_a_burst_over_the_rate_is_told_when_to_retry_and_other_users_are_not_slowed(cluster, tmp_path):
    model = tmp_path / "m.inp"
    model.write_bytes(b"*Heading\n")
    with cluster.client("ana") as ana, cluster.client("ben") as ben:
        ana.submit(model, cpus=1)
        ana.submit(model, cpus=1)
        with pytest.raises(ResourceExhausted) as e:
            ana.submit(model, cpus=1)
        assert "retry in" in e.value.message
        assert ben.submit(model, cpus=1).owner == "ben"
        assert len(list(ana.list())) == 2


ONE_AT_A_TIME = RoleLimits(max_concurrent_jobs={Role.ADMIN: 10, Role.DEVELOPER: 10, Role.GUEST: 1})


@pytest.mark.parametrize("cluster", [{"role_limits": ONE_AT_A_TIME, "long_poll_timeout_s": 1}], indirect=True)
def test_a_guest_runs_one_job_at_a_time_and_others_go_past(cluster, tmp_path):
    model = tmp_path / "m.inp"
    model.write_bytes(b"*Heading\n")
    with cluster.client("gus", Role.GUEST) as guest, cluster.client("dev") as dev:
        first, second = guest.submit(model, cpus=1), guest.submit(model, cpus=1)
        other = dev.submit(model, cpus=1)
    node = execution_stub(cluster, "n1")
    node.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=8))
    got = [node.AcquireJob(ex.AcquireJobRequest(node_name="n1"), timeout=5).assignment.job_attempt
           for _ in range(3)]
    # the developer's job first (normal priority beats a guest's low); the guest's second job waits
    assert [a.job_id for a in got] == [other.id, first.id, ""]
    node.CompleteJob(ex.CompleteJobRequest(job_attempt=got[1], outcome=ex.OUTCOME_FAILED,
                                           error_class=pb.ERROR_CLASS_SYSTEM, error_message="test"))
    assert node.AcquireJob(ex.AcquireJobRequest(node_name="n1"), timeout=5).assignment.job_attempt.job_id \
        == second.id


def execution_stub(cluster, node: str) -> ex_grpc.ExecutionServiceStub:
    return ex_grpc.ExecutionServiceStub(open_channel(cluster.execution, cluster.token(node, Role.NODE)))


@pytest.mark.parametrize("cluster", [{"max_queue_bytes": 2_100}], indirect=True)  # two small jobs (1,019 B each)
def test_a_full_queue_refuses_new_jobs_until_queued_ones_leave_and_keeps_uploaded_ones(cluster, tmp_path):
    model = tmp_path / "m.inp"
    model.write_bytes(b"*Heading\n")
    stub = sub_grpc.SubmissionServiceStub(open_channel(cluster.submission, cluster.token("ana")))
    with cluster.client("ana") as ana:
        first = ana.submit(model, cpus=1)
        ana.submit(model, cpus=1)
        with pytest.raises(ResourceExhausted) as e:
            ana.submit(model, cpus=1)
        assert "the queue is full (2 jobs waiting" in e.value.message and "retry" in e.value.message
        assert len(list(ana.list())) == 2  # refused at CreateJob: nothing stored, nothing uploaded
        ana.cancel(first.id)
        # Created while there is room, submitted once there is none: it stays BLOCKED with its
        # inputs, and SubmitJob succeeds when room is back.
        created = stub.CreateJob(sub.CreateJobRequest(
            request_id="late-1", name="late", cpus=1, input_file="m.inp",
            input_files=[pb.FileInfo(name="m.inp", size_bytes=9,
                                     sha256=hashlib.sha256(model.read_bytes()).hexdigest())]), timeout=10)
        t = created.upload_requests[0]
        upload(PresignedTarget(t.file_name, t.method, t.url, dict(t.headers)), model)
        third = ana.submit(model, cpus=1)
        assert third.state.value == "WAITING"
    with pytest.raises(grpc.RpcError) as full:
        stub.SubmitJob(sub.SubmitJobRequest(job_id=created.job.id), timeout=10)
    assert full.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert stub.GetJob(sub.GetJobRequest(job_id=created.job.id), timeout=10).job.state == pb.JOB_STATE_BLOCKED
    stub.CancelJob(sub.CancelJobRequest(job_id=third.id), timeout=10)
    assert stub.SubmitJob(sub.SubmitJobRequest(job_id=created.job.id), timeout=10).job.state == pb.JOB_STATE_WAITING


def test_two_submits_of_one_job_at_once_queue_it_once(cluster, tmp_path):
    model = tmp_path / "m.inp"
    model.write_bytes(b"*Heading\n")
    stub = sub_grpc.SubmissionServiceStub(open_channel(cluster.submission, cluster.token("ana")))
    created = stub.CreateJob(sub.CreateJobRequest(
        request_id="twice", name="twice", cpus=1, input_file="m.inp",
        input_files=[pb.FileInfo(name="m.inp", size_bytes=9, sha256=hashlib.sha256(model.read_bytes()).hexdigest())]),
        timeout=10)
    t = created.upload_requests[0]
    upload(PresignedTarget(t.file_name, t.method, t.url, dict(t.headers)), model)
    calls = [stub.SubmitJob.future(sub.SubmitJobRequest(job_id=created.job.id), timeout=10) for _ in range(4)]
    assert {c.result().job.state for c in calls} == {pb.JOB_STATE_WAITING}
    assert len(cluster.server.queue) == 1
    again = stub.CreateJob(sub.CreateJobRequest(  # a retried CreateJob gets the same job back
        request_id="twice", name="twice", cpus=1, input_file="m.inp",
        input_files=[pb.FileInfo(name="m.inp", size_bytes=9, sha256=hashlib.sha256(model.read_bytes()).hexdigest())]),
        timeout=10)
    assert again.job.id == created.job.id
