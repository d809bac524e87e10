"""Every job RPC of the submission port, for every role, on its own job, a teammate's and a
stranger's: the exact status code of each cell. (Execution port and tokens: test_access.py,
test_token_service.py.)"""

from __future__ import annotations

import grpc
import pytest

from abaqueue.v1 import admin_service_pb2 as adm
from abaqueue.v1 import admin_service_pb2_grpc as adm_grpc
from abaqueue.v1 import job_pb2 as pb
from abaqueue.v1 import submission_service_pb2 as sub
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc
from client.api import open_channel
from scheduler.domain.identity import Role

CALLERS = {  # name -> (user, role, team)
    "developer": ("ana", Role.DEVELOPER, "crash"),
    "lead": ("ben", Role.LEAD, "crash"),
    "guest": ("gus", Role.GUEST, ""),
    "admin": ("root", Role.ADMIN, ""),
    "node": ("node-1", Role.NODE, ""),
}
OWNERS = {"teammate": ("dan", Role.DEVELOPER, "crash"), "stranger": ("eve", Role.DEVELOPER, "nvh")}
OK, NF, PD, FP, UA = "OK", "NOT_FOUND", "PERMISSION_DENIED", "FAILED_PRECONDITION", "UNAUTHENTICATED"
CALLS = ("GetJob", "WatchJob", "GetJobResults", "StartInputUpload", "SubmitJob", "SetJobPriority", "CancelJob",
         "GetJobLog")
# (caller, whose job) -> codes of CALLS, in order. The job is BLOCKED: its inputs were never uploaded.
# SetJobPriority asks for low (0): an owner may lower their own job; leads their team's; admins any.
TABLE = {
    ("developer", "own"): (OK, OK, FP, OK, FP, OK, OK, OK),
    ("developer", "teammate"): (NF, NF, NF, NF, NF, NF, NF, NF),
    ("developer", "stranger"): (NF, NF, NF, NF, NF, NF, NF, NF),
    ("lead", "own"): (OK, OK, FP, OK, FP, OK, OK, OK),
    ("lead", "teammate"): (OK, OK, FP, PD, PD, OK, PD, OK),
    ("lead", "stranger"): (NF, NF, NF, NF, NF, NF, NF, NF),
    ("guest", "own"): (OK, OK, FP, OK, FP, OK, OK, OK),
    ("guest", "teammate"): (NF, NF, NF, NF, NF, NF, NF, NF),
    ("guest", "stranger"): (NF, NF, NF, NF, NF, NF, NF, NF),
    ("admin", "own"): (OK, OK, FP, OK, FP, OK, OK, OK),
    ("admin", "teammate"): (OK, OK, FP, OK, FP, OK, OK, OK),
    ("admin", "stranger"): (OK, OK, FP, OK, FP, OK, OK, OK),
}


def stub(cluster, user, role, team) -> sub_grpc.SubmissionServiceStub:
    return sub_grpc.SubmissionServiceStub(open_channel(cluster.submission, cluster.token(user, role, team)))


def code(call, request) -> str:
    try:
        answer = call(request, timeout=5)
        if hasattr(answer, "__next__"):  # WatchJob: the first message is the job as it is now
            next(answer)
            answer.cancel()
    except grpc.RpcError as e:
        return e.code().name
    return OK


def create(s) -> str:
    return s.CreateJob(sub.CreateJobRequest(name="m", cpus=1, input_file="m.inp", input_files=[
        pb.FileInfo(name="m.inp", size_bytes=1, sha256="a" * 64)])).job.id


@pytest.mark.parametrize(("caller", "whose"), sorted(TABLE))
def test_job_calls_by_role_and_ownership(cluster, caller, whose):
    me = stub(cluster, *CALLERS[caller])
    job_id = create(me if whose == "own" else stub(cluster, *OWNERS[whose]))
    requests = {
        "GetJob": sub.GetJobRequest(job_id=job_id), "WatchJob": sub.WatchJobRequest(job_id=job_id),
        "GetJobResults": sub.GetJobResultsRequest(job_id=job_id), "SubmitJob": sub.SubmitJobRequest(job_id=job_id),
        "StartInputUpload": sub.StartInputUploadRequest(job_id=job_id, file_name="m.inp"),
        "CancelJob": sub.CancelJobRequest(job_id=job_id),
        "SetJobPriority": sub.SetJobPriorityRequest(job_id=job_id, priority=0),
        "GetJobLog": sub.GetJobLogRequest(job_id=job_id),
    }
    assert tuple(code(getattr(me, name), requests[name]) for name in CALLS) == TABLE[(caller, whose)]


def test_a_node_token_opens_nothing_on_the_submission_port(cluster):
    owner = stub(cluster, *OWNERS["teammate"])
    job_id = create(owner)
    node = stub(cluster, *CALLERS["node"])
    assert code(node.ListJobs, sub.ListJobsRequest()) == UA
    assert code(node.CreateJob, sub.CreateJobRequest(name="m")) == UA
    for name, request in (("GetJob", sub.GetJobRequest(job_id=job_id)), ("CancelJob", sub.CancelJobRequest(
            job_id=job_id)), ("WatchJob", sub.WatchJobRequest(job_id=job_id)),
            ("GetJobLog", sub.GetJobLogRequest(job_id=job_id)),
            ("StartInputUpload", sub.StartInputUploadRequest(job_id=job_id, file_name="m.inp"))):
        assert code(getattr(node, name), request) == UA


ADMIN_CALLS = {  # the queue's calls, none about a particular job of the caller
    "GetQueueStats": lambda s, a: s.GetQueueStats(sub.GetQueueStatsRequest(), timeout=5),
    "GetMyQueue": lambda s, a: s.GetMyQueue(sub.GetMyQueueRequest(), timeout=5),
    "ListNodes": lambda s, a: a.ListNodes(adm.ListNodesRequest(), timeout=5),
    "GetQueueSettings": lambda s, a: a.GetQueueSettings(adm.GetQueueSettingsRequest(), timeout=5),
    "UpdateQueueSettings": lambda s, a: a.UpdateQueueSettings(adm.UpdateQueueSettingsRequest(
        settings=adm.QueueSettings(max_concurrent=50)), timeout=5),
    "ApproveJob": lambda s, a: a.ApproveJob(adm.ApproveJobRequest(job_id=create(s)), timeout=5),
    "RejectJob": lambda s, a: a.RejectJob(adm.RejectJobRequest(job_id=create(s), reason="too big"), timeout=5),
    "CleanupJobs": lambda s, a: a.CleanupJobs(adm.CleanupJobsRequest(days=30), timeout=5),
    "ProcessQueue": lambda s, a: a.ProcessQueue(adm.ProcessQueueRequest(), timeout=5),
    "DrainNode": lambda s, a: a.DrainNode(adm.DrainNodeRequest(node_name="n9"), timeout=5),
    "ResumeNode": lambda s, a: a.ResumeNode(adm.ResumeNodeRequest(node_name="n9"), timeout=5),
}
# caller -> codes of ADMIN_CALLS, in order. Approve and reject a job that does not await approval.
ADMIN_TABLE = {
    "developer": (OK, OK, OK, PD, PD, PD, PD, PD, PD, PD, PD),
    "lead": (OK, OK, OK, PD, PD, PD, PD, PD, PD, PD, PD),
    "guest": (OK, OK, OK, PD, PD, PD, PD, PD, PD, PD, PD),
    "admin": (OK, OK, OK, OK, OK, FP, FP, OK, OK, OK, OK),
}


@pytest.mark.parametrize("caller", sorted(ADMIN_TABLE))
def test_queue_and_admin_calls_by_role(cluster, caller):
    user, role, team = CALLERS[caller]
    channel = open_channel(cluster.submission, cluster.token(user, role, team))
    s, a = sub_grpc.SubmissionServiceStub(channel), adm_grpc.AdminServiceStub(channel)

    def code_of(call) -> str:
        try:
            call(s, a)
        except grpc.RpcError as e:
            return e.code().name
        return OK

    assert tuple(code_of(call) for call in ADMIN_CALLS.values()) == ADMIN_TABLE[caller]


def test_admin_calls_refuse_a_node_token(cluster):
    channel = open_channel(cluster.submission, cluster.token("node-1", Role.NODE))
    a = adm_grpc.AdminServiceStub(channel)
    assert code(a.ListNodes, adm.ListNodesRequest()) == UA
    assert code(a.DrainNode, adm.DrainNodeRequest(node_name="x")) == UA
