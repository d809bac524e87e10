"""Transfer slots are leases, and the scheduler accepts only the results that really are in the
store as reported. The node here is a raw gRPC client (faking the agent, not the server): it can
die holding a slot, or report files it never uploaded."""

from __future__ import annotations

import threading

import grpc
import pytest
import urllib3

from abaqueue.presigned_http import PresignedTarget, file_digest, upload
from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2 as pb
from client import JobState
from client.api import open_channel
from client.models import TransferSlotStats
from client.queue_commands import _slots
from scheduler.domain.identity import Role
from tests.integration.models import beam


@pytest.fixture
def node(cluster):
    """An execution stub of node n1, registered with 8 cores."""
    with open_channel(cluster.execution, cluster.token("n1", Role.NODE)) as channel:
        stub = ex_grpc.ExecutionServiceStub(channel)
        stub.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=8))
        yield stub


def take_jobs(cluster, node, tmp_path, n: int) -> list[ex.JobAttempt]:
    with cluster.client(inline_bytes=0) as client:  # uploaded: the node downloads them in its slot
        for i in range(n):
            model, extra = beam(tmp_path / f"m{i}", name=f"job{i}")
            client.submit(model, cpus=1, files=extra)
    return [node.AcquireJob(ex.AcquireJobRequest(node_name="n1")).assignment.job_attempt for _ in range(n)]


def slot_stats(cluster) -> TransferSlotStats:
    """As `abaqueue nodes list` shows them."""
    with cluster.client("root", Role.ADMIN) as admin:
        return next(n for n in admin.nodes() if n.name == "n1").transfer_slots


@pytest.mark.parametrize("cluster", [{"transfer_slot_lease_s": 1.0, "long_poll_timeout_s": 20}], indirect=True)
def test_a_slot_whose_holder_died_lapses_and_goes_to_the_next_in_line(cluster, node, tmp_path):
    first, second = take_jobs(cluster, node, tmp_path, 2)
    held = node.AcquireTransferSlot(ex.AcquireTransferSlotRequest(node_name="n1", job_attempt=first))
    assert held.slot_id and held.lease.ToNanoseconds() == 1_000_000_000
    answer: list[ex.AcquireTransferSlotResponse] = []
    waiter = threading.Thread(target=lambda: answer.append(node.AcquireTransferSlot(
        ex.AcquireTransferSlotRequest(node_name="n1", job_attempt=second))))
    waiter.start()  # the first holder now dies: it never renews nor releases
    waiter.join(30)
    assert answer and answer[0].slot_id and answer[0].slot_id != held.slot_id
    with pytest.raises(grpc.RpcError) as e:
        node.RenewTransferSlot(ex.RenewTransferSlotRequest(node_name="n1", slot_id=held.slot_id))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND and e.value.details().startswith("slot_id:")
    stats = slot_stats(cluster)
    assert (stats.grants, stats.lapsed, stats.held, stats.waiting) == (2, 1, 1, 0)
    assert stats.wait_max_seconds > 0 and stats.hold_max_seconds >= 1.0
    assert _slots(stats).startswith("1 moving, 0 waiting") and _slots(stats).endswith("1 lapsed")


@pytest.mark.parametrize("cluster", [{"transfer_slot_lease_s": 1.0, "long_poll_timeout_s": 3}], indirect=True)
def test_a_renewed_slot_is_kept(cluster, node, tmp_path):
    first, second = take_jobs(cluster, node, tmp_path, 2)
    held = node.AcquireTransferSlot(ex.AcquireTransferSlotRequest(node_name="n1", job_attempt=first))
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(0.3):
            node.RenewTransferSlot(ex.RenewTransferSlotRequest(node_name="n1", slot_id=held.slot_id))

    renewer = threading.Thread(target=renew)
    renewer.start()
    try:  # a whole long-poll (3 s, three leases) passes while the holder renews: no slot for the next
        waited = node.AcquireTransferSlot(ex.AcquireTransferSlotRequest(node_name="n1", job_attempt=second))
    finally:
        stop.set()
        renewer.join()
    assert waited.slot_id == ""
    assert slot_stats(cluster).lapsed == 0


def test_results_not_in_the_store_as_reported_give_missing_with_the_exact_list(cluster, node, tmp_path):
    (attempt,) = take_jobs(cluster, node, tmp_path, 1)
    node.AcquireTransferSlot(ex.AcquireTransferSlotRequest(node_name="n1", job_attempt=attempt))
    odb, sta, dat = tmp_path / "job0.odb", tmp_path / "job0.sta", tmp_path / "job0.dat"
    odb.write_bytes(b"odb" * 1000)
    sta.write_bytes(b" THE ANALYSIS HAS COMPLETED SUCCESSFULLY\n")
    dat.write_bytes(b"never uploaded")
    infos = [pb.FileInfo(name=p.name, size_bytes=p.stat().st_size, sha256=file_digest(p).sha256) for p in (odb, sta)]
    puts = node.GetResultUploads(ex.GetResultUploadsRequest(job_attempt=attempt, files=infos)).upload_requests
    for request, path in zip(puts, (odb, sta)):
        upload(PresignedTarget.of(request), path)
    lying_sta = pb.FileInfo(name=sta.name, size_bytes=sta.stat().st_size, sha256="0" * 64)  # not what was sent
    dat_info = pb.FileInfo(name=dat.name, size_bytes=dat.stat().st_size, sha256=file_digest(dat).sha256)
    done = node.CompleteJob(ex.CompleteJobRequest(
        job_attempt=attempt, outcome=ex.OUTCOME_SUCCEEDED, result_files=[infos[0], lying_sta, dat_info],
        missing_files=["job0.msg"]))
    assert done.job.state == pb.JOB_STATE_MISSING
    assert list(done.job.missing_files) == ["job0.msg", "job0.sta", "job0.dat"]
    with cluster.client() as client:
        job = client.get(attempt.job_id)
        assert job.state is JobState.MISSING
        saved = client.download_results(attempt.job_id, tmp_path / "out")  # what arrived stays downloadable
    assert [p.name for p in saved] == ["job0.odb"] and saved[0].read_bytes() == odb.read_bytes()


@pytest.mark.parametrize("cluster", [{"metrics_port": 0}], indirect=True)
def test_slot_wait_and_hold_times_are_in_the_metrics(cluster, node, tmp_path):
    (attempt,) = take_jobs(cluster, node, tmp_path, 1)
    held = node.AcquireTransferSlot(ex.AcquireTransferSlotRequest(node_name="n1", job_attempt=attempt))
    node.ReleaseTransferSlot(ex.ReleaseTransferSlotRequest(node_name="n1", slot_id=held.slot_id))
    page = urllib3.request("GET", f"http://127.0.0.1:{cluster.server.metrics_port}/metrics").data.decode()
    assert 'abaqueue_transfer_slot_wait_seconds_count{node="n1"} 1.0' in page
    assert 'abaqueue_transfer_slot_hold_seconds_count{node="n1"} 1.0' in page


def test_files_move_only_for_the_current_attempt_holding_a_slot(cluster, node, tmp_path):
    (attempt,) = take_jobs(cluster, node, tmp_path, 1)
    stale = ex.JobAttempt(job_id=attempt.job_id, attempt=attempt.attempt + 1)
    for call, request in (
            (node.GetInputDownloads, ex.GetInputDownloadsRequest(job_attempt=attempt)),
            (node.StartResultUpload, ex.StartResultUploadRequest(job_attempt=attempt, file_name="job0.odb"))):
        with pytest.raises(grpc.RpcError) as e:  # no slot held yet
            call(request)
        assert e.value.code() == grpc.StatusCode.NOT_FOUND and e.value.details().startswith("transfer slot:")
    node.AcquireTransferSlot(ex.AcquireTransferSlotRequest(node_name="n1", job_attempt=attempt))
    assert node.GetInputDownloads(ex.GetInputDownloadsRequest(job_attempt=attempt)).download_requests
    started = node.StartResultUpload(ex.StartResultUploadRequest(job_attempt=attempt, file_name="job0.odb"))
    part = pb.UploadPart(part_number=1, size_bytes=3, crc32="AAAAAA==", etag="x")
    for call, request in (
            (node.StartResultUpload, ex.StartResultUploadRequest(job_attempt=stale, file_name="job0.odb")),
            (node.GetUploadPartUrls, ex.GetUploadPartUrlsRequest(job_attempt=stale, file_name="job0.odb",
                                                                 upload_id=started.upload_id, parts=[part])),
            (node.CompleteResultUpload, ex.CompleteResultUploadRequest(
                job_attempt=stale, file_name="job0.odb", upload_id=started.upload_id, parts=[part]))):
        with pytest.raises(grpc.RpcError) as e:  # a stale attempt's calls are refused: the fencing answer
            call(request)
        assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as e:  # parts the store never had are not joined, and it says so
        node.CompleteResultUpload(ex.CompleteResultUploadRequest(
            job_attempt=attempt, file_name="job0.odb", upload_id=started.upload_id, parts=[part]))
    # SeaweedFS answers NoSuchUpload here (AWS: InvalidPart); the agent starts afresh on either
    assert (e.value.code(), e.value.details().split(":")[0]) in {
        (grpc.StatusCode.NOT_FOUND, "upload_id"), (grpc.StatusCode.INVALID_ARGUMENT, "parts")}
