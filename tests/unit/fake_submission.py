"""A fake SubmissionService for the client's unit tests: a real gRPC server on loopback and a tiny
HTTP blob store standing in for S3's presigned URLs. Shared by test_client_models and test_client_cli."""

from __future__ import annotations

import hashlib
import socket
import threading
import uuid
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc

from abaqueue.v1 import job_pb2
from abaqueue.v1 import submission_service_pb2 as pb
from abaqueue.v1 import submission_service_pb2_grpc as pb_grpc

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
        self.watched: list[pb.WatchJobRequest] = []
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
        inline = all(f.HasField("content") for f in request.input_files)  # queued at once, as the scheduler does
        files = [job_pb2.FileInfo(name=f.name, size_bytes=len(f.content), sha256=sha256(f.content), unpack=f.unpack)
                 if f.HasField("content") else f for f in request.input_files]
        job = self.add_job(S.JOB_STATE_WAITING if inline else S.JOB_STATE_BLOCKED, name=request.name,
                           cpus=request.cpus, input_file=request.input_file, input_files=files)
        for f in request.input_files:
            if f.HasField("content"):
                self.blobs.blobs[f"/in/{job.id}/{f.name}"] = f.content  # where the tests look for inputs
        uploads = [job_pb2.PresignedRequest(
            file_name=f.name, method="PUT", url=self.blobs.url(f"/in/{job.id}/{f.name}"),
            headers={"x-fake-signature": job.id}) for f in request.input_files if not f.HasField("content")]
        return pb.CreateJobResponse(job=job, upload_requests=uploads)

    def SubmitJob(self, request: pb.SubmitJobRequest, context: grpc.ServicerContext) -> pb.SubmitJobResponse:
        job = self._job(request.job_id, context)
        for f in job.input_files:
            if sha256(self.blobs.blobs.get(f"/in/{job.id}/{f.name}", b"")) != f.sha256:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"{f.name} has not been uploaded")
        job.state = S.JOB_STATE_WAITING
        job.wait_reasons.add(code="no_free_cores", message="no node has 4 free cores")
        return pb.SubmitJobResponse(job=job)

    def GetJob(self, request: pb.GetJobRequest, context: grpc.ServicerContext) -> pb.GetJobResponse:
        return pb.GetJobResponse(job=self._job(request.job_id, context))

    def ListJobs(self, request: pb.ListJobsRequest, context: grpc.ServicerContext) -> pb.ListJobsResponse:
        self.page_tokens.append(request.page_token)
        self.authorization = dict(context.invocation_metadata()).get("authorization")
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
        self.watched.append(request)
        if not request.final_only:
            yield pb.WatchJobResponse(job=job)
        for change in self.plan:
            job.MergeFrom(change)
            if not request.final_only or job.state >= S.JOB_STATE_COMPLETED:
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
