"""Small inputs sent inline with CreateJob: queued by that one call, nothing in the blob store for
them, written by the node from its assignment; an agent from before inline inputs still gets them
(as downloads), and a wrong inline file is refused naming its field, storing nothing."""

from __future__ import annotations

import hashlib

import boto3
import grpc
import pytest

from abaqueue import presigned_http
from abaqueue.presigned_http import PresignedTarget
from abaqueue.protocol import INLINE_INPUTS, MAX_INLINE_BYTES
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2 as pb
from abaqueue.v1 import submission_service_pb2 as sub
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc
from client import JobState
from client.api import open_channel
from scheduler.domain.identity import Role
from tests.integration.models import beam

MODEL = b"*Heading\n** abaqus-sim: seconds=0\n*Step\n*Static\n1., 1.\n*End Step\n"


def objects(seaweed, job_id: str) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=seaweed.endpoint, aws_access_key_id=seaweed.access_key,
                      aws_secret_access_key=seaweed.secret_key, region_name="us-east-1")
    return [o["Key"] for o in s3.list_objects_v2(Bucket=seaweed.bucket, Prefix=f"jobs/{job_id}/").get("Contents", ())]


@pytest.fixture
def submission(cluster):
    with open_channel(cluster.submission, cluster.token()) as channel:
        yield sub_grpc.SubmissionServiceStub(channel)


def test_a_small_model_is_queued_by_create_job_alone_and_runs_from_its_assignment(cluster, seaweed, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=0.5, increments=1)
    with cluster.client() as client:
        job = client.submit(model, cpus=1, files=extra)
        assert job.state is JobState.WAITING  # no upload and no SubmitJob: queued as it was stored
        assert objects(seaweed, job.id) == []  # nothing of it in the blob store
        cluster.add_agent("node-1", cpus=2, keep_succeeded=True)
        final = client.wait(job.id)
        log = [line.text for line in client.job_log(job.id)]
    assert final.state is JobState.COMPLETED, final.error_message
    assert "queued: its inputs came inline" in log
    for f in (model, *extra):
        assert (cluster.workdir / "node-1" / f"{job.id}-1" / f.name).read_bytes() == f.read_bytes()
    assert all("/results/" in key for key in objects(seaweed, job.id))  # only its results were stored


def test_an_agent_from_before_inline_inputs_downloads_them(cluster, submission):
    created = submission.CreateJob(sub.CreateJobRequest(
        request_id="old-agent", name="m", cpus=1, input_file="m.inp",
        input_files=[pb.FileInfo(name="m.inp", content=MODEL)]))
    assert created.job.state == pb.JOB_STATE_WAITING and not created.upload_requests
    with open_channel(cluster.execution, cluster.token("old", Role.NODE)) as channel:
        node = ex_grpc.ExecutionServiceStub(channel)
        node.RegisterNode(ex.RegisterNodeRequest(protocol_version=INLINE_INPUTS - 1, node_name="old", cpus=2))
        attempt = node.AcquireJob(ex.AcquireJobRequest(node_name="old")).assignment.job_attempt
        node.AcquireTransferSlot(ex.AcquireTransferSlotRequest(node_name="old", job_attempt=attempt))
        downloads = node.GetInputDownloads(ex.GetInputDownloadsRequest(job_attempt=attempt))
    assert [f.name for f in downloads.files] == ["m.inp"]
    target = PresignedTarget.of(downloads.download_requests[0])
    response = presigned_http._POOL.request(target.method, target.url, headers=target.headers)
    assert response.status == 200 and response.data == MODEL
    assert downloads.files[0].sha256 == hashlib.sha256(MODEL).hexdigest()


def test_inline_and_uploaded_inputs_mix(cluster, submission):
    table = b"1., 2.\n" * 100
    created = submission.CreateJob(sub.CreateJobRequest(
        request_id="mixed", name="m", cpus=1, input_file="m.inp",
        input_files=[pb.FileInfo(name="m.inp", content=MODEL),
                     pb.FileInfo(name="t.dat", size_bytes=len(table), sha256=hashlib.sha256(table).hexdigest())]))
    assert created.job.state == pb.JOB_STATE_BLOCKED
    assert [r.file_name for r in created.upload_requests] == ["t.dat"]
    with pytest.raises(grpc.RpcError) as e:
        submission.StartInputUpload(sub.StartInputUploadRequest(job_id=created.job.id, file_name="m.inp"))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "inline" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:  # the uploaded one is still missing
        submission.SubmitJob(sub.SubmitJobRequest(job_id=created.job.id))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "input_files[1]" in e.value.details()
    presigned_http.send(PresignedTarget.of(created.upload_requests[0]), table)
    queued = submission.SubmitJob(sub.SubmitJobRequest(job_id=created.job.id)).job
    assert queued.state == pb.JOB_STATE_WAITING
    assert [f.size_bytes for f in queued.input_files] == [len(MODEL), len(table)]
    assert not any(f.HasField("content") for f in queued.input_files)  # the job as shown carries no content


@pytest.mark.parametrize(("file", "field"), [
    (pb.FileInfo(name="m.inp", content=b"x" * (MAX_INLINE_BYTES + 1)), "input_files[0].content"),
    (pb.FileInfo(name="m.inp", content=MODEL, sha256="0" * 64), "input_files[0].sha256"),
    (pb.FileInfo(name="m.inp", content=MODEL, size_bytes=3), "input_files[0].size_bytes"),
])
def test_a_wrong_inline_file_is_refused_naming_its_field_and_nothing_is_stored(cluster, submission, file, field):
    with pytest.raises(grpc.RpcError) as e:
        submission.CreateJob(sub.CreateJobRequest(request_id="bad", name="m", cpus=1, input_file="m.inp",
                                                  input_files=[file]))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and e.value.details().startswith(field)
    assert not submission.ListJobs(sub.ListJobsRequest()).jobs
    assert submission.GetQueueStats(sub.GetQueueStatsRequest()).queue_depth == 0
