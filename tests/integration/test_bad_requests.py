"""Bad input gets the right status code and a message naming the field; nothing is stored."""

from __future__ import annotations

import grpc
import pytest

from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2 as pb
from abaqueue.v1 import submission_service_pb2 as sub
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc
from client.api import open_channel
from scheduler.domain.identity import Role

SHA = "b" * 64


def create(**overrides):
    fields = dict(request_id="r1", name="beam", cpus=2, input_file="beam.inp",
                  input_files=[pb.FileInfo(name="beam.inp", size_bytes=10, sha256=SHA)])
    fields.update(overrides)
    return sub.CreateJobRequest(**fields)


@pytest.fixture
def stubs(cluster):
    with open_channel(cluster.submission, cluster.token("ana")) as s, \
            open_channel(cluster.execution, cluster.token("n1", Role.NODE)) as e:
        yield sub_grpc.SubmissionServiceStub(s), ex_grpc.ExecutionServiceStub(e)


@pytest.mark.parametrize("request_, field", [
    (create(name="a&b"), "name"),
    (create(cpus=0), "cpus"),
    (create(input_file="beam.dat"), "input_file"),
    (create(input_files=[]), "input_files"),
    (create(input_files=[pb.FileInfo(name="../x.inp", size_bytes=1, sha256=SHA)], input_file="../x.inp"),
     "input_files[0].name"),
    (create(input_files=[pb.FileInfo(name="beam.inp", size_bytes=1, sha256="zz")]), "input_files[0].sha256"),
    (create(input_files=[pb.FileInfo(name="NUL.inp", size_bytes=1, sha256=SHA)], input_file="NUL.inp"),
     "input_files[0].name"),
])
def test_create_job_rejects_bad_fields_and_stores_nothing(stubs, request_, field):
    submission, _ = stubs
    with pytest.raises(grpc.RpcError) as e:
        submission.CreateJob(request_)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert e.value.details().startswith(f"{field}:")
    assert list(submission.ListJobs(sub.ListJobsRequest()).jobs) == []


def test_create_job_is_idempotent_by_request_id(stubs):
    submission, _ = stubs
    first = submission.CreateJob(create(request_id="same"))
    again = submission.CreateJob(create(request_id="same"))
    assert first.job.id == again.job.id
    assert first.job.state == pb.JOB_STATE_BLOCKED
    assert len(submission.ListJobs(sub.ListJobsRequest()).jobs) == 1


def test_submit_before_upload_fails_naming_the_missing_file(stubs):
    submission, _ = stubs
    job = submission.CreateJob(create()).job
    with pytest.raises(grpc.RpcError) as e:
        submission.SubmitJob(sub.SubmitJobRequest(job_id=job.id))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "input_files[0]: beam.inp has not been uploaded" in e.value.details()
    assert submission.GetJob(sub.GetJobRequest(job_id=job.id)).job.state == pb.JOB_STATE_BLOCKED


@pytest.mark.parametrize("call, request_, code", [
    ("GetJob", sub.GetJobRequest(job_id="nope"), grpc.StatusCode.NOT_FOUND),
    ("GetJob", sub.GetJobRequest(), grpc.StatusCode.INVALID_ARGUMENT),
    ("CancelJob", sub.CancelJobRequest(job_id="nope"), grpc.StatusCode.NOT_FOUND),
    ("ListJobs", sub.ListJobsRequest(page_size=5000), grpc.StatusCode.INVALID_ARGUMENT),
    ("ListJobs", sub.ListJobsRequest(page_token="garbage"), grpc.StatusCode.INVALID_ARGUMENT),
    ("ListJobs", sub.ListJobsRequest(states=[42]), grpc.StatusCode.INVALID_ARGUMENT),
    ("GetJobResults", sub.GetJobResultsRequest(job_id="nope"), grpc.StatusCode.NOT_FOUND),
])
def test_submission_errors_have_the_right_code(stubs, call, request_, code):
    submission, _ = stubs
    with pytest.raises(grpc.RpcError) as e:
        getattr(submission, call)(request_)
    assert e.value.code() == code


def test_agents_calls_for_an_attempt_that_is_not_current_are_refused(stubs):
    submission, execution = stubs
    job = submission.CreateJob(create()).job
    execution.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=4))
    with pytest.raises(grpc.RpcError) as e:
        execution.ReportProgress(ex.ReportProgressRequest(job_attempt=ex.JobAttempt(job_id=job.id, attempt=1)))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    with pytest.raises(grpc.RpcError) as e:
        execution.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="", cpus=4))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and e.value.details().startswith("node_name:")
    with pytest.raises(grpc.RpcError) as e:
        execution.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=0))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and e.value.details().startswith("cpus:")


def test_a_node_token_names_one_node_which_must_register_first(cluster, stubs):
    _, execution = stubs  # n1's token
    with pytest.raises(grpc.RpcError) as e:
        execution.AcquireJob(ex.AcquireJobRequest(node_name="n2"))
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED and e.value.details().startswith("node_name:")
    with open_channel(cluster.execution, cluster.token("n2", Role.NODE)) as c, pytest.raises(grpc.RpcError) as e:
        ex_grpc.ExecutionServiceStub(c).AcquireJob(ex.AcquireJobRequest(node_name="n2"))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND and "RegisterNode" in e.value.details()


def test_cpus_beyond_the_largest_node_and_bad_labels_are_refused(stubs):
    submission, execution = stubs
    execution.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=4))
    with pytest.raises(grpc.RpcError) as e:
        submission.CreateJob(create(cpus=8))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "largest node offers (4)" in e.value.details()
    assert submission.CreateJob(create(cpus=4)).job.cpus == 4
    with pytest.raises(grpc.RpcError) as e:
        execution.RegisterNode(ex.RegisterNodeRequest(
                protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=4, labels={"Bad Key": "x"}))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and e.value.details().startswith("labels[")
