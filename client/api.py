"""The Abaqueue client: submit Abaqus jobs, follow them and collect their results."""

from __future__ import annotations

import os
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import grpc

from abaqueue.retry import backoff
from abaqueue.tls import channel_credentials
from abaqueue.v1 import admin_service_pb2 as adm
from abaqueue.v1 import job_pb2
from abaqueue.v1 import submission_service_pb2 as pb
from abaqueue.v1 import token_service_pb2 as tok
from abaqueue.v1.admin_service_pb2_grpc import AdminServiceStub
from abaqueue.v1.submission_service_pb2_grpc import SubmissionServiceStub
from abaqueue.v1.token_service_pb2_grpc import TokenServiceStub

from . import transfer
from .auth import BearerToken, token_from
from .errors import AbaqueueError, InvalidArgument, from_rpc_error
from .models import FileInfo, Job, JobState, LogLine, MyQueue, NodeInfo, QueueStats, Role, SolverOptions, TokenInfo

_Response = TypeVar("_Response")


def open_channel(address: str, token: str | None, ca_file: Path | None = None) -> grpc.Channel:
    """The channel to the scheduler at HOST:PORT, every call carrying `token`; TLS trusting
    `ca_file` when given, else plain text."""
    if ca_file is None:
        channel = grpc.insecure_channel(address)
    else:
        try:
            channel = grpc.secure_channel(address, channel_credentials(ca_file))
        except OSError as e:
            raise AbaqueueError(f"cannot read the CA file {ca_file}: {e.strerror}") from e
    return grpc.intercept_channel(channel, BearerToken(token)) if token else channel


# Answers that say "not now": the same request is sent again after a pause.
RETRIED = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
RETRY_CAP_S = 4.0  # five tries wait 4 to 11 s in all: a scheduler restart, not an outage


class Client:
    """A connection to the scheduler's SubmissionService. Use as a context manager, or call close()."""

    def __init__(self, address: str, *, token: str | None = None, ca_file: Path | None = None,
                 timeout: float = 30.0, multipart_threshold_bytes: int = 64 * 1024**2,
                 multipart_part_bytes: int = 16 * 1024**2, transfer_parallelism: int = 4, retries: int = 5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """`token` defaults to $ABAQUEUE_TOKEN, else the file named by $ABAQUEUE_TOKEN_FILE;
        `ca_file` (TLS) to $ABAQUEUE_CA_FILE. Inputs larger than `multipart_threshold_bytes` go
        as multipart uploads of `transfer_parallelism` parts at once."""
        self.address = address
        self.timeout = timeout
        self.multipart_threshold_bytes = multipart_threshold_bytes
        self.multipart_part_bytes = multipart_part_bytes
        self.transfer_parallelism = transfer_parallelism
        self.retries = retries
        self._sleep = sleep
        ca_file = ca_file or (Path(os.environ["ABAQUEUE_CA_FILE"]) if os.environ.get("ABAQUEUE_CA_FILE") else None)
        self._channel = open_channel(address, token if token is not None else token_from(), ca_file)
        self._stub = SubmissionServiceStub(self._channel)
        self._tokens = TokenServiceStub(self._channel)
        self._admin = AdminServiceStub(self._channel)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def submit(
        self, model: Path, cpus: int, extra_files: Sequence[Path] = (), name: str | None = None,
        request_id: str | None = None, archives: Sequence[Path] = (), *, priority: int | None = None,
        license_tokens: int = 0, labels: dict[str, str] | None = None, node: str = "", abaqus_version: str = "",
        requires_approval: bool = False, solver: SolverOptions | None = None,
    ) -> Job:
        """Create a job for `model` (an .inp file) and its extra files, upload them and queue it.

        `archives` are .zip files the node unpacks into the job directory (a model with its
        includes, in folders if need be); `model` may then be the name of an .inp at the top of
        one of them rather than a local file. `priority` (0, 10, 20, 30; default: your role's),
        `license_tokens` (default: the cluster's rule), `labels` a node must match (globs), the
        `node` and `abaqus_version` it needs, whether it `requires_approval`, and `solver` options
        (memory, double precision, user subroutine, restart, wall-clock limit, extra results) are
        optional; a user subroutine named there must be one of `extra_files`."""
        model, archives = Path(model), [Path(a) for a in archives]
        in_archive = bool(archives) and not model.is_file() and _at_top_of(model.name, archives)
        sent = [*([] if in_archive else [model]), *map(Path, extra_files), *archives]
        paths = {p.name: p for p in sent}
        if len({n.lower() for n in paths}) != len(sent):
            raise InvalidArgument("two input files have the same name; Abaqus needs them side by side")
        declared = {n: transfer.describe(p) for n, p in paths.items()}
        unpacked = {a.name for a in archives}
        create = pb.CreateJobRequest(
            request_id=request_id or str(uuid.uuid4()), name=name or model.stem, cpus=cpus,
            input_file=model.name,
            input_files=[transfer.to_proto(f, f.name in unpacked) for f in declared.values()],
            priority=priority, license_tokens=license_tokens, required_labels=labels or {}, required_node=node,
            abaqus_version=abaqus_version, requires_approval=requires_approval,
            solver=(solver or SolverOptions()).to_proto(),
        )
        created = self._call(self._stub.CreateJob, create)
        for request in created.upload_requests:
            if request.file_name not in paths:
                raise AbaqueueError(f"the scheduler asked for {request.file_name!r}, which was not given")
            self._upload_input(create, created.job.id, request, paths[request.file_name], declared[request.file_name])
        submitted = self._call(self._stub.SubmitJob, pb.SubmitJobRequest(job_id=created.job.id))
        return Job.from_proto(submitted.job)

    def _upload_input(self, create: pb.CreateJobRequest, job_id: str, request: job_pb2.PresignedRequest,
                      path: Path, info: FileInfo) -> None:
        if info.size_bytes <= self.multipart_threshold_bytes:
            def again() -> job_pb2.PresignedRequest:  # CreateJob again with the same request id: fresh URLs
                fresh = self._call(self._stub.CreateJob, create).upload_requests
                return next(r for r in fresh if r.file_name == info.name)

            transfer.upload(request, path, info, again)
            return
        transfer.upload_in_parts(
            path, info, part_bytes=self.multipart_part_bytes, parallel=self.transfer_parallelism,
            start=lambda: _started(self._call(self._stub.StartInputUpload, pb.StartInputUploadRequest(
                job_id=job_id, file_name=info.name))),
            sign=lambda upload_id, part, crc: self._call(self._stub.GetInputPartUrls, pb.GetInputPartUrlsRequest(
                job_id=job_id, file_name=info.name, upload_id=upload_id, parts=[job_pb2.UploadPart(
                    part_number=part.number, size_bytes=part.size, crc32=crc)])).upload_requests[0],
            join=lambda upload_id, parts: self._call(self._stub.CompleteInputUpload, pb.CompleteInputUploadRequest(
                job_id=job_id, file_name=info.name, upload_id=upload_id, parts=parts)).size_bytes)

    def get(self, job_id: str) -> Job:
        return Job.from_proto(self._call(self._stub.GetJob, pb.GetJobRequest(job_id=job_id)).job)

    def list(self, states: Sequence[JobState] = (), page_size: int = 100) -> Iterator[Job]:
        """Every job in `states` (all when empty), newest first, fetched a page at a time."""
        request = pb.ListJobsRequest(page_size=page_size, states=[s.to_proto() for s in states])
        while True:
            page = self._call(self._stub.ListJobs, request)
            yield from (Job.from_proto(j) for j in page.jobs)
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def cancel(self, job_id: str) -> Job:
        return Job.from_proto(self._call(self._stub.CancelJob, pb.CancelJobRequest(job_id=job_id)).job)

    def watch(self, job_id: str) -> Iterator[Job]:
        """The job now, then after every change; ends once it reaches a final state."""
        stream = self._stub.WatchJob(pb.WatchJobRequest(job_id=job_id))  # no deadline: jobs run for hours
        try:
            for response in stream:
                job = Job.from_proto(response.job)
                yield job
                if job.state.is_final:
                    return
        except grpc.RpcError as e:
            raise from_rpc_error(e) from e
        finally:
            stream.cancel()

    def wait(self, job_id: str, on_update: Callable[[Job], None] | None = None) -> Job:
        """Block until the job reaches a final state and return it; `on_update` sees every change."""
        last: Job | None = None
        for last in self.watch(job_id):
            if on_update is not None:
                on_update(last)
        if last is None or not last.state.is_final:
            raise AbaqueueError(f"the scheduler stopped reporting on job {job_id} before it finished")
        return last

    def result_files(self, job_id: str, only: Sequence[str] = ()) -> list[FileInfo]:
        """The job's result files (those ending in one of `only`, if given)."""
        return [FileInfo.from_proto(f) for f in self._results(job_id, only).files]

    def _results(self, job_id: str, only: Sequence[str] = ()) -> pb.GetJobResultsResponse:
        """The job's result files (those ending in one of `only`) and a presigned GET of each."""
        results = self._call(self._stub.GetJobResults, pb.GetJobResultsRequest(job_id=job_id))
        suffixes = tuple(s.lower() for s in only)
        wanted = [f for f in results.files if not suffixes or f.name.lower().endswith(suffixes)]
        names = {f.name for f in wanted}
        offered = [r for r in results.download_requests if r.file_name in names]
        return pb.GetJobResultsResponse(files=wanted, download_requests=offered)

    def download_results(self, job_id: str, dest: Path, only: Sequence[str] = (), *, parallel: int = 4,
                         on_received: Callable[[str, int], None] | None = None) -> list[Path]:
        """Download the job's result files (those ending in one of `only`, if given) into `dest`,
        each as `parallel` ranged requests; `on_received(name, nbytes)` hears the bytes as they come.

        Each file is checked against its declared size and SHA-256; a bad file is deleted and
        ChecksumMismatch raised.
        """
        results = self._results(job_id, only)
        offered = {r.file_name: r for r in results.download_requests}
        saved = []
        for f in results.files:
            info = FileInfo.from_proto(f)
            if info.name not in offered:
                raise AbaqueueError(f"the scheduler offers no download of result file {info.name!r}")
            first = [offered[info.name]]

            def sign(name: str = info.name, first: list = first) -> pb.PresignedRequest:
                if first:
                    return first.pop()
                again = {r.file_name: r for r in self._results(job_id).download_requests}  # the URL expired
                if name not in again:
                    raise AbaqueueError(f"the scheduler no longer offers result file {name!r}")
                return again[name]

            heard = None if on_received is None else (lambda n, name=info.name: on_received(name, n))
            saved.append(transfer.download(sign, Path(dest), info, parallel=parallel, on_received=heard))
        return saved

    # --- tokens: admins create and renew; everyone may list and revoke their own

    def create_token(self, user: str, role: Role, team: str = "", ttl: timedelta | None = None,
                     description: str = "") -> tuple[str, TokenInfo]:
        """A new token: its secret (shown this once) and its description."""
        request = tok.CreateTokenRequest(user=user, role=role.to_proto(), team=team, description=description)
        if ttl is not None:
            request.ttl.FromTimedelta(ttl)
        created = self._call(self._tokens.CreateToken, request, retried=False)  # two tokens would be made
        return created.token, TokenInfo.from_proto(created.info)

    def list_tokens(self, user: str = "") -> list[TokenInfo]:
        listed = self._call(self._tokens.ListTokens, tok.ListTokensRequest(user=user))
        return [TokenInfo.from_proto(t) for t in listed.tokens]

    def revoke_token(self, token_id: str) -> TokenInfo:
        revoked = self._call(self._tokens.DeleteToken, tok.DeleteTokenRequest(token_id=token_id))
        return TokenInfo.from_proto(revoked.info)

    def renew_token(self, token_id: str, ttl: timedelta) -> TokenInfo:
        request = tok.RenewTokenRequest(token_id=token_id)
        request.ttl.FromTimedelta(ttl)
        return TokenInfo.from_proto(self._call(self._tokens.RenewToken, request).info)

    def job_log(self, job_id: str, after: int = 0) -> list[LogLine]:
        """The job's log lines numbered after `after` (all of them, a page at a time)."""
        lines: list[LogLine] = []
        while True:
            page = self._call(self._stub.GetJobLog, pb.GetJobLogRequest(job_id=job_id, after_seq=after))
            lines += [LogLine.from_proto(line) for line in page.lines]
            if not page.lines:
                return lines
            after = page.lines[-1].seq

    # --- the queue

    def set_priority(self, job_id: str, priority: int) -> Job:
        """0 low, 10 normal, 20 high, 30 urgent. Owners may lower their own; leads and admins set any."""
        request = pb.SetJobPriorityRequest(job_id=job_id, priority=priority)
        return Job.from_proto(self._call(self._stub.SetJobPriority, request).job)

    def queue_stats(self) -> QueueStats:
        return QueueStats.from_proto(self._call(self._stub.GetQueueStats, pb.GetQueueStatsRequest()))

    def my_queue(self) -> MyQueue:
        return MyQueue.from_proto(self._call(self._stub.GetMyQueue, pb.GetMyQueueRequest()))

    def nodes(self) -> list[NodeInfo]:
        return [NodeInfo.from_proto(n) for n in self._call(self._admin.ListNodes, adm.ListNodesRequest()).nodes]

    # --- admins

    def approve(self, job_id: str) -> Job:
        return Job.from_proto(self._call(self._admin.ApproveJob, adm.ApproveJobRequest(job_id=job_id)).job)

    def reject(self, job_id: str, reason: str) -> Job:
        request = adm.RejectJobRequest(job_id=job_id, reason=reason)
        return Job.from_proto(self._call(self._admin.RejectJob, request).job)

    def queue_settings(self) -> dict[str, Any]:
        answer = self._call(self._admin.GetQueueSettings, adm.GetQueueSettingsRequest())
        return _settings(answer.settings)

    def update_queue_settings(self, **values: Any) -> dict[str, Any]:
        """Change the named settings (max_concurrent=10, enable_fair_share=True, ...); all of them after."""
        try:
            settings = adm.QueueSettings(**values)
        except (ValueError, TypeError) as e:
            raise InvalidArgument(str(e)) from e
        answer = self._call(self._admin.UpdateQueueSettings, adm.UpdateQueueSettingsRequest(settings=settings))
        return _settings(answer.settings)

    def cleanup(self, days: int) -> int:
        """Delete jobs that ended more than `days` days ago, with their files; how many."""
        return self._call(self._admin.CleanupJobs, adm.CleanupJobsRequest(days=days)).deleted

    def process_queue(self) -> int:
        return self._call(self._admin.ProcessQueue, adm.ProcessQueueRequest()).waiting

    def drain(self, node: str) -> NodeInfo:
        return NodeInfo.from_proto(self._call(self._admin.DrainNode, adm.DrainNodeRequest(node_name=node)).node)

    def resume(self, node: str) -> NodeInfo:
        return NodeInfo.from_proto(self._call(self._admin.ResumeNode, adm.ResumeNodeRequest(node_name=node)).node)

    def _call(self, method: Callable[..., _Response], request: object, *, retried: bool = True) -> _Response:
        """`method(request)`; an UNAVAILABLE or DEADLINE_EXCEEDED answer (the scheduler restarting,
        the network) is tried again with backoff, the same request (CreateJob's request_id makes
        that safe), up to `retries` times; `retried=False` for a call that must not run twice."""
        for attempt in range(self.retries + 1):
            try:
                return method(request, timeout=self.timeout)
            except grpc.RpcError as e:
                if not retried or e.code() not in RETRIED or attempt == self.retries:
                    raise from_rpc_error(e) from e
                self._sleep(backoff(attempt, cap=RETRY_CAP_S))
        raise AssertionError("unreachable")


def _at_top_of(name: str, archives: Sequence[Path]) -> bool:
    """Whether an entry `name` is at the top of one of the zip `archives`, as the node will need it."""
    for path in archives:
        try:
            with zipfile.ZipFile(path) as zf:
                if name in zf.namelist():
                    return True
        except (OSError, zipfile.BadZipFile) as e:
            raise AbaqueueError(f"{path}: not a readable zip archive ({e})") from e
    raise AbaqueueError(f"{name} is neither a local file nor at the top of {', '.join(map(str, archives))}")


def _settings(msg: adm.QueueSettings) -> dict[str, Any]:
    return {f.name: getattr(msg, f.name) for f in msg.DESCRIPTOR.fields}


def _started(resp: pb.StartInputUploadResponse) -> tuple[str, list[job_pb2.UploadPart]]:
    return resp.upload_id, list(resp.stored_parts)
