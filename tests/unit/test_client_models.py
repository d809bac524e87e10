"""The client library against a fake scheduler: a real gRPC server on loopback and a tiny blob store.

`serve()` and `FakeScheduler` are shared with test_client_cli.py.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import uuid
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
import pytest

from abaqueue.v1 import job_pb2
from abaqueue.v1 import submission_service_pb2 as pb
from abaqueue.v1 import submission_service_pb2_grpc as pb_grpc
from client import (
    AbaqueueError,
    ChecksumMismatch,
    Client,
    ErrorClass,
    FailedPrecondition,
    FileInfo,
    InvalidArgument,
    Job,
    JobState,
    NotFound,
    Progress,
    Unavailable,
)

S = job_pb2.JobState
CREATED = datetime(2025, 3, 1, 8, 30, tzinfo=timezone.utc)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Presigned URLs without S3: a PUT stores the body under its path, a GET returns it."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.put_headers: dict[str, dict[str, str]] = {}
        store = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                store.blobs[self.path] = self.rfile.read(int(self.headers["Content-Length"]))
                store.put_headers[self.path] = dict(self.headers)
                self._reply(200, b"")

            def do_GET(self) -> None:
                body = store.blobs.get(self.path)
                self._reply(404, b"NoSuchKey") if body is None else self._reply(200, body)

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}{path}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


class FakeScheduler(pb_grpc.SubmissionServiceServicer):
    """Just enough of the SubmissionService, with its requests recorded for the tests to check."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self.address = ""
        self.jobs: dict[str, job_pb2.Job] = {}
        self.created: list[pb.CreateJobRequest] = []
        self.page_tokens: list[str] = []
        self.plan: list[job_pb2.Job] = []  # changes WatchJob merges into the job, one message each
        self.hold_watch_open = True  # keep streaming after a final state until the client hangs up
        self.watch_cancelled = threading.Event()  # the client hung up
        self.watch_timed_out = threading.Event()  # the fake gave up holding the stream open

    def add_job(self, state: int = S.JOB_STATE_WAITING, results: dict[str, bytes] | None = None,
                **fields: object) -> job_pb2.Job:
        job = job_pb2.Job(id=uuid.uuid4().hex, state=state, owner="ana", **{"cpus": 4, **fields})
        job.name = job.name or f"model{len(self.jobs)}"
        job.create_time.FromDatetime(CREATED + timedelta(minutes=len(self.jobs)))
        for name, data in (results or {}).items():
            job.result_files.add(name=name, size_bytes=len(data), sha256=sha256(data))
            self.blobs.blobs[f"/out/{job.id}/{name}"] = data
        self.jobs[job.id] = job
        return job

    def CreateJob(self, request: pb.CreateJobRequest, context: grpc.ServicerContext) -> pb.CreateJobResponse:
        self.created.append(request)
        if not 1 <= request.cpus <= 1024:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"cpus: {request.cpus} is out of range 1..1024")
        job = self.add_job(S.JOB_STATE_BLOCKED, name=request.name, cpus=request.cpus,
                           input_file=request.input_file, input_files=request.input_files)
        uploads = [job_pb2.PresignedRequest(
            file_name=f.name, method="PUT", url=self.blobs.url(f"/in/{job.id}/{f.name}"),
            headers={"x-fake-signature": job.id}) for f in request.input_files]
        return pb.CreateJobResponse(job=job, upload_requests=uploads)

    def SubmitJob(self, request: pb.SubmitJobRequest, context: grpc.ServicerContext) -> pb.SubmitJobResponse:
        job = self._job(request.job_id, context)
        for f in job.input_files:
            if sha256(self.blobs.blobs.get(f"/in/{job.id}/{f.name}", b"")) != f.sha256:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"{f.name} has not been uploaded")
        job.state = S.JOB_STATE_WAITING
        job.reasons[:] = ["no node has 4 free cores"]
        return pb.SubmitJobResponse(job=job)

    def GetJob(self, request: pb.GetJobRequest, context: grpc.ServicerContext) -> pb.GetJobResponse:
        return pb.GetJobResponse(job=self._job(request.job_id, context))

    def ListJobs(self, request: pb.ListJobsRequest, context: grpc.ServicerContext) -> pb.ListJobsResponse:
        self.page_tokens.append(request.page_token)
        jobs = [j for j in reversed(self.jobs.values()) if not request.states or j.state in request.states]
        start, size = int(request.page_token or 0), request.page_size or 100
        token = str(start + size) if start + size < len(jobs) else ""
        return pb.ListJobsResponse(jobs=jobs[start:start + size], next_page_token=token)

    def CancelJob(self, request: pb.CancelJobRequest, context: grpc.ServicerContext) -> pb.CancelJobResponse:
        job = self._job(request.job_id, context)
        if job.state >= S.JOB_STATE_COMPLETED:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"job {job.id} has already ended")
        job.state = S.JOB_STATE_CANCELLED
        return pb.CancelJobResponse(job=job)

    def WatchJob(self, request: pb.WatchJobRequest, context: grpc.ServicerContext
                 ) -> Iterator[pb.WatchJobResponse]:
        job = self._job(request.job_id, context)
        context.add_callback(self.watch_cancelled.set)
        yield pb.WatchJobResponse(job=job)
        for change in self.plan:
            job.MergeFrom(change)
            yield pb.WatchJobResponse(job=job)
        if self.hold_watch_open and not self.watch_cancelled.wait(3):
            self.watch_timed_out.set()

    def GetJobResults(self, request: pb.GetJobResultsRequest, context: grpc.ServicerContext
                      ) -> pb.GetJobResultsResponse:
        job = self._job(request.job_id, context)
        if not job.result_files:
            context.abort(grpc.StatusCode.NOT_FOUND, f"job {job.id} has no result files")
        downloads = [job_pb2.PresignedRequest(file_name=f.name, method="GET",
                                              url=self.blobs.url(f"/out/{job.id}/{f.name}"))
                     for f in job.result_files]
        return pb.GetJobResultsResponse(files=job.result_files, download_requests=downloads)

    def _job(self, job_id: str, context: grpc.ServicerContext) -> job_pb2.Job:
        if job_id not in self.jobs:
            context.abort(grpc.StatusCode.NOT_FOUND, f"job {job_id} not found")
        return self.jobs[job_id]


@contextmanager
def serve() -> Iterator[FakeScheduler]:
    """A FakeScheduler on a free loopback port, with its blob store; both stopped on exit."""
    fake = FakeScheduler(BlobStore())
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_SubmissionServiceServicer_to_server(fake, server)
    fake.address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    try:
        yield fake
    finally:
        server.stop(None).wait()
        fake.blobs.close()


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fake() -> Iterator[FakeScheduler]:
    with serve() as scheduler:
        yield scheduler


@pytest.fixture
def client(fake: FakeScheduler) -> Iterator[Client]:
    with Client(fake.address, timeout=5) as c:
        yield c


# --- models: from the API's messages to plain values ---

def test_job_from_proto_converts_every_field() -> None:
    msg = job_pb2.Job(
        id="j1", name="beam", cpus=8, input_file="beam.inp", state=S.JOB_STATE_FAILED, owner="ana",
        attempt=2, node="win-07", error_message="license checkout failed",
        error_class=job_pb2.ERROR_CLASS_LICENSE, reasons=["r1"], missing_files=["beam.odb"],
        input_files=[job_pb2.FileInfo(name="beam.inp", size_bytes=10, sha256="a" * 64)],
        result_files=[job_pb2.FileInfo(name="beam.msg", size_bytes=3, sha256="b" * 64)],
        progress=job_pb2.Progress(step=2, total_steps=3, increment=45, step_fraction=0.5,
                                  overall_fraction=0.75, waiting_for_license=True),
    )
    msg.progress.estimated_time_left.FromTimedelta(timedelta(minutes=2, seconds=30))
    msg.create_time.FromDatetime(CREATED)
    msg.start_time.FromDatetime(CREATED + timedelta(hours=1))

    assert Job.from_proto(msg) == Job(
        id="j1", name="beam", cpus=8, input_file="beam.inp",
        input_files=(FileInfo("beam.inp", 10, "a" * 64),),
        state=JobState.FAILED, owner="ana", attempt=2, node="win-07",
        progress=Progress(2, 3, 45, 0.5, 0.75, True, 150.0),
        create_time=CREATED, start_time=CREATED + timedelta(hours=1), end_time=None,
        error_message="license checkout failed", error_class=ErrorClass.LICENSE,
        result_files=(FileInfo("beam.msg", 3, "b" * 64),), reasons=("r1",), missing_files=("beam.odb",),
    )
    assert Job.from_proto(msg).create_time.tzinfo == timezone.utc


def test_unset_fields_become_none_and_to_dict_is_json_ready() -> None:
    msg = job_pb2.Job(id="j2", name="plate", state=S.JOB_STATE_WAITING)
    msg.create_time.FromDatetime(CREATED)
    job = Job.from_proto(msg)
    assert (job.progress, job.start_time, job.end_time, job.error_class) == (None, None, None, None)

    data = json.loads(json.dumps(job.to_dict()))
    assert data["state"] == "WAITING"
    assert data["create_time"] == "2025-03-01T08:30:00+00:00"
    assert data["error_class"] is None and data["input_files"] == []


def test_job_states_round_trip_and_final_ones_are_marked() -> None:
    assert all(JobState.from_proto(s.to_proto()) is s for s in JobState)
    assert {s for s in JobState if s.is_final} == {
        JobState.COMPLETED, JobState.FAILED, JobState.MISSING, JobState.CANCELLED}
    with pytest.raises(ValueError, match="unknown job state 0"):
        JobState.from_proto(S.JOB_STATE_UNSPECIFIED)


# --- the client against the fake scheduler ---

def test_submit_uploads_every_file_and_queues_the_job(tmp_path: Path, fake: FakeScheduler,
                                                      client: Client) -> None:
    model, sub = tmp_path / "beam.inp", tmp_path / "umat.for"
    model.write_bytes(b"*HEADING\nbeam\n")
    sub.write_bytes(b"      SUBROUTINE UMAT\n" * 1000)

    job = client.submit(model, cpus=4, extra_files=[sub])

    assert (job.state, job.name, job.input_file, job.cpus) == (JobState.WAITING, "beam", "beam.inp", 4)
    assert job.reasons == ("no node has 4 free cores",)
    request = fake.created[0]
    uuid.UUID(request.request_id)  # a fresh uuid4 makes the call safe to retry
    assert [(f.name, f.size_bytes, f.sha256) for f in request.input_files] == [
        (p.name, p.stat().st_size, sha256(p.read_bytes())) for p in (model, sub)]
    for p in (model, sub):
        assert fake.blobs.blobs[f"/in/{job.id}/{p.name}"] == p.read_bytes()
        assert fake.blobs.put_headers[f"/in/{job.id}/{p.name}"]["x-fake-signature"] == job.id


def test_submit_passes_name_and_request_id(tmp_path: Path, fake: FakeScheduler, client: Client) -> None:
    model = tmp_path / "beam.inp"
    model.write_text("*HEADING\n")
    job = client.submit(model, cpus=2, name="beam-fine", request_id="retry-42")
    assert job.name == "beam-fine"
    assert fake.created[0].request_id == "retry-42"


def test_submit_refuses_two_files_with_one_name_before_calling(tmp_path: Path, fake: FakeScheduler,
                                                              client: Client) -> None:
    (tmp_path / "a").mkdir()
    for p in (tmp_path / "beam.inp", tmp_path / "sub.f", tmp_path / "a" / "SUB.f"):
        p.write_text("x")
    with pytest.raises(InvalidArgument, match="same name"):
        client.submit(tmp_path / "beam.inp", cpus=1,
                      extra_files=[tmp_path / "sub.f", tmp_path / "a" / "SUB.f"])
    assert fake.created == []


def test_server_errors_keep_their_class_and_message(tmp_path: Path, fake: FakeScheduler,
                                                    client: Client) -> None:
    with pytest.raises(NotFound) as not_found:
        client.get("nope")
    assert (not_found.value.code, str(not_found.value)) == (grpc.StatusCode.NOT_FOUND, "job nope not found")

    model = tmp_path / "beam.inp"
    model.write_text("*HEADING\n")
    with pytest.raises(InvalidArgument, match=r"^cpus: 0 is out of range"):
        client.submit(model, cpus=0)

    done = fake.add_job(S.JOB_STATE_COMPLETED)
    with pytest.raises(FailedPrecondition, match="has already ended"):
        client.cancel(done.id)
    assert isinstance(not_found.value, AbaqueueError)


def test_unreachable_scheduler_raises_unavailable() -> None:
    with Client(f"127.0.0.1:{closed_port()}", timeout=3) as c, pytest.raises(Unavailable):
        c.get("any")


def test_list_follows_page_tokens_and_filters_by_state(fake: FakeScheduler, client: Client) -> None:
    added = [fake.add_job(S.JOB_STATE_RUNNING if i % 2 else S.JOB_STATE_WAITING) for i in range(5)]

    assert [j.id for j in client.list(page_size=2)] == [j.id for j in reversed(added)]
    assert fake.page_tokens == ["", "2", "4"]
    running = list(client.list(states=[JobState.RUNNING]))
    assert [j.id for j in running] == [added[3].id, added[1].id]


def test_cancel_returns_the_cancelled_job(fake: FakeScheduler, client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_RUNNING)
    assert client.cancel(job.id).state is JobState.CANCELLED
    assert fake.jobs[job.id].state == S.JOB_STATE_CANCELLED


def test_wait_reports_every_change_and_hangs_up_at_the_final_state(fake: FakeScheduler,
                                                                   client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_STARTING)
    fake.plan = [
        job_pb2.Job(state=S.JOB_STATE_RUNNING,
                    progress=job_pb2.Progress(step=1, total_steps=2, overall_fraction=0.25)),
        job_pb2.Job(progress=job_pb2.Progress(step=2, overall_fraction=0.9)),
        job_pb2.Job(state=S.JOB_STATE_COMPLETED, progress=job_pb2.Progress(overall_fraction=1.0)),
    ]
    seen: list[Job] = []

    final = client.wait(job.id, on_update=seen.append)

    assert final.state is JobState.COMPLETED
    assert [(j.state, j.progress.overall_fraction if j.progress else None) for j in seen] == [
        (JobState.STARTING, None), (JobState.RUNNING, 0.25), (JobState.RUNNING, 0.9),
        (JobState.COMPLETED, 1.0)]
    assert fake.watch_cancelled.wait(2) and not fake.watch_timed_out.is_set(), \
        "the client should hang up once the job is final, not wait for the server"


def test_wait_raises_when_the_stream_ends_before_the_job_does(fake: FakeScheduler, client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_RUNNING)
    fake.hold_watch_open = False
    with pytest.raises(AbaqueueError, match="before it finished"):
        client.wait(job.id)


def test_watch_of_an_unknown_job_raises_not_found(client: Client) -> None:
    with pytest.raises(NotFound, match="job nope not found"):
        list(client.watch("nope"))


def test_download_results_verifies_and_filters_by_suffix(tmp_path: Path, fake: FakeScheduler,
                                                        client: Client) -> None:
    results = {"beam.odb": b"\x00odb" * 5000, "beam.dat": b"dat\n", "beam.msg": b"msg\n"}
    job = fake.add_job(S.JOB_STATE_COMPLETED, results=results)

    paths = client.download_results(job.id, tmp_path / "out", only=[".ODB", ".dat"])

    assert paths == [tmp_path / "out" / "beam.odb", tmp_path / "out" / "beam.dat"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == {
        n: results[n] for n in ("beam.odb", "beam.dat")}


def test_download_rejects_a_corrupted_file_and_deletes_it(tmp_path: Path, fake: FakeScheduler,
                                                          client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_COMPLETED, results={"beam.dat": b"good\n", "beam.odb": b"good odb"})
    fake.blobs.blobs[f"/out/{job.id}/beam.odb"] = b"bad odb!"  # same size, other bytes

    with pytest.raises(ChecksumMismatch, match="beam.odb arrived damaged"):
        client.download_results(job.id, tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["beam.dat"]


def test_download_refuses_a_file_name_that_escapes_dest(tmp_path: Path, fake: FakeScheduler,
                                                        client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_COMPLETED, results={"../evil.bat": b"echo pwned"})
    with pytest.raises(AbaqueueError, match="unsafe name"):
        client.download_results(job.id, tmp_path / "out")
    assert not (tmp_path / "evil.bat").exists()
