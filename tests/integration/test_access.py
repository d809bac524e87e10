"""Who may do what, through the real ports: tokens, roles, ownership and nodes."""

from __future__ import annotations

import time

import grpc
import pytest

from abaqueue.presigned_http import PresignedTarget, upload
from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2 as pb
from abaqueue.v1 import submission_service_pb2 as sub
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc
from abaqueue.v1 import token_service_pb2 as tok
from abaqueue.v1 import token_service_pb2_grpc as tok_grpc
from client.api import open_channel
from scheduler.domain.identity import Role


def submission(cluster, token: str | None) -> sub_grpc.SubmissionServiceStub:
    return sub_grpc.SubmissionServiceStub(open_channel(cluster.submission, token))


def execution(cluster, token: str | None) -> ex_grpc.ExecutionServiceStub:
    return ex_grpc.ExecutionServiceStub(open_channel(cluster.execution, token))


def code_of(call, request) -> grpc.StatusCode:
    try:
        call(request, timeout=10)
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


def create(stub, name: str = "beam") -> pb.Job:
    return stub.CreateJob(sub.CreateJobRequest(
        name=name, cpus=1, input_file="m.inp",
        input_files=[pb.FileInfo(name="m.inp", size_bytes=1, sha256="a" * 64)])).job


def test_every_call_needs_a_token_valid_on_its_port(cluster):
    people = cluster.token("ana")
    node = cluster.token("n1", Role.NODE)
    for token in (None, "abq_" + "0" * 64, node):
        assert code_of(submission(cluster, token).ListJobs, sub.ListJobsRequest()) == grpc.StatusCode.UNAUTHENTICATED
    for token in (None, people, cluster.token("root", Role.ADMIN)):
        assert code_of(execution(cluster, token).RegisterNode,
                       ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=1)) \
            == grpc.StatusCode.UNAUTHENTICATED
    assert code_of(submission(cluster, people).ListJobs, sub.ListJobsRequest()) == grpc.StatusCode.OK
    assert code_of(execution(cluster, node).RegisterNode, ex.RegisterNodeRequest(
            protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=1)) \
        == grpc.StatusCode.OK


@pytest.fixture
def people(cluster):
    """ana and ben in team crash, ben its lead; cat in nvh; and an admin. Each with one job."""
    stubs = {
        "ana": submission(cluster, cluster.token("ana", Role.DEVELOPER, "crash")),
        "ben": submission(cluster, cluster.token("ben", Role.LEAD, "crash")),
        "cat": submission(cluster, cluster.token("cat", Role.DEVELOPER, "nvh")),
        "root": submission(cluster, cluster.token("root", Role.ADMIN)),
    }
    jobs = {who: create(stub, who) for who, stub in stubs.items() if who != "root"}
    return stubs, jobs


# who asks, whose job -> GetJob, CancelJob
RULES = [
    ("ana", "ana", "OK", "OK"),
    ("ana", "ben", "NOT_FOUND", "NOT_FOUND"),
    ("ana", "cat", "NOT_FOUND", "NOT_FOUND"),
    ("ben", "ana", "OK", "PERMISSION_DENIED"),  # a lead sees the team's jobs but does not cancel them
    ("ben", "cat", "NOT_FOUND", "NOT_FOUND"),
    ("cat", "ana", "NOT_FOUND", "NOT_FOUND"),
    ("root", "cat", "OK", "OK"),
]


@pytest.mark.parametrize(("who", "whose", "get", "cancel"), RULES)
def test_owners_leads_and_admins(people, who, whose, get, cancel):
    stubs, jobs = people
    job_id = jobs[whose].id
    assert code_of(stubs[who].GetJob, sub.GetJobRequest(job_id=job_id)).name == get
    assert code_of(stubs[who].GetJobResults, sub.GetJobResultsRequest(job_id=job_id)).name in (
        {"FAILED_PRECONDITION"} if get == "OK" else {get})  # the job has not run: no results yet
    assert code_of(stubs[who].CancelJob, sub.CancelJobRequest(job_id=job_id)).name == cancel
    states = {"OK": pb.JOB_STATE_CANCELLED}.get(cancel, pb.JOB_STATE_BLOCKED)
    assert stubs["root"].GetJob(sub.GetJobRequest(job_id=job_id)).job.state == states


def test_lists_show_what_each_may_see(people):
    stubs, jobs = people
    def listed(who):
        return sorted(j.owner for j in stubs[who].ListJobs(sub.ListJobsRequest()).jobs)
    assert listed("ana") == ["ana"]
    assert listed("ben") == ["ana", "ben"]
    assert listed("cat") == ["cat"]
    assert listed("root") == ["ana", "ben", "cat"]
    assert jobs["ana"].owner == "ana" and jobs["ana"].team == "crash"


def test_a_node_acts_only_on_jobs_assigned_to_it(cluster, people):
    stubs, jobs = people
    n1 = execution(cluster, cluster.token("n1", Role.NODE))
    n2 = execution(cluster, cluster.token("n2", Role.NODE))
    n1.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=1))
    n2.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n2", cpus=1))
    # queue a job of ana's: its one-byte input goes up through its presigned URL
    created = stubs["ana"].CreateJob(sub.CreateJobRequest(
        name="run", cpus=1, input_file="m.inp", input_files=[pb.FileInfo(
            name="m.inp", size_bytes=1, sha256="ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")]))
    target = created.upload_requests[0]
    path = cluster.workdir / "one-byte.inp"
    path.write_bytes(b"a")
    upload(PresignedTarget(target.file_name, target.method, target.url, dict(target.headers)), path)
    stubs["ana"].SubmitJob(sub.SubmitJobRequest(job_id=created.job.id))
    assignment = n1.AcquireJob(ex.AcquireJobRequest(node_name="n1"), timeout=10).assignment
    assert assignment.job_attempt.job_id == created.job.id
    foreign = ex.ReportProgressRequest(job_attempt=assignment.job_attempt)
    assert code_of(n2.ReportProgress, foreign) == grpc.StatusCode.NOT_FOUND
    assert code_of(n2.GetInputDownloads, ex.GetInputDownloadsRequest(job_attempt=assignment.job_attempt)) \
        == grpc.StatusCode.NOT_FOUND
    assert code_of(n1.ReportProgress, foreign) == grpc.StatusCode.OK


def test_admin_actions_and_refused_calls_are_in_the_audit_log(cluster, people):
    stubs, jobs = people
    root_tokens = tok_grpc.TokenServiceStub(open_channel(cluster.submission, cluster.token("root", Role.ADMIN)))
    root_tokens.CreateToken(tok.CreateTokenRequest(user="eve", role=tok.ROLE_GUEST, description="audit me"))
    assert code_of(stubs["ana"].CancelJob, sub.CancelJobRequest(job_id=jobs["ana"].id)) == grpc.StatusCode.OK
    assert code_of(stubs["ben"].CancelJob, sub.CancelJobRequest(job_id=jobs["cat"].id)) == grpc.StatusCode.NOT_FOUND
    assert code_of(submission(cluster, None).ListJobs, sub.ListJobsRequest()) == grpc.StatusCode.UNAUTHENTICATED
    assert code_of(stubs["ana"].GetJob, sub.GetJobRequest(job_id="")) == grpc.StatusCode.INVALID_ARGUMENT

    # an aborted call's status may reach the caller just before its audit entry is written
    deadline = time.monotonic() + 5
    while len(cluster.server.store.audit_entries()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    entries = [(e.user, e.method.rsplit("/", 1)[1], e.code) for e in cluster.server.store.audit_entries()]
    assert entries == [
        ("ana", "GetJob", "INVALID_ARGUMENT"),
        ("", "ListJobs", "UNAUTHENTICATED"),
        ("root", "CreateToken", "OK"),
    ]  # an ordinary cancel and a NOT_FOUND are not refusals of the caller
    created = cluster.server.store.audit_entries()[-1]
    assert created.role == "admin" and 'user: "eve"' in created.detail and "abq_" not in created.detail
