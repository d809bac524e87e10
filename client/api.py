"""The Abaqueue client: submit Abaqus jobs, follow them and collect their results."""

from __future__ import annotations

import contextlib
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import grpc
from rich.console import Console

from abaqueue.protocol import MAX_INLINE_BYTES
from abaqueue.retry import backoff
from abaqueue.tls import channel_credentials
from abaqueue.v1 import admin_service_pb2 as adm
from abaqueue.v1 import job_pb2
from abaqueue.v1 import submission_service_pb2 as pb
from abaqueue.v1 import token_service_pb2 as tok
from abaqueue.v1.admin_service_pb2_grpc import AdminServiceStub
from abaqueue.v1.submission_service_pb2_grpc import SubmissionServiceStub
from abaqueue.v1.token_service_pb2_grpc import TokenServiceStub

from . import render, settings, transfer
from .auth import BearerToken
from .errors import AbaqueueError, InvalidArgument, from_rpc_error
from .inputs import Inputs, gather
from .models import (
    Batch,
    FileInfo,
    Job,
    JobEvent,
    JobState,
    LogLine,
    MyQueue,
    NodeInfo,
    Preview,
    QueueStats,
    Role,
    ServiceStatus,
    SolverOptions,
    TokenInfo,
    priority_value,
)
from .study import Study

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
    """A connection to the scheduler. Use as a context manager, or call close()."""

    def __init__(self, address: str | None = None, *, token: str | None = None, token_file: Path | None = None,
                 ca_file: Path | None = None, profile: str | None = None, timeout: float = 30.0,
                 multipart_threshold_bytes: int = 64 * 1024**2, multipart_part_bytes: int = 16 * 1024**2,
                 transfer_parallelism: int = 4, retries: int = 5, inline_bytes: int = MAX_INLINE_BYTES,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """The scheduler at `address` (HOST:PORT) with `token` (TLS trusting `ca_file` when given).
        What is not given comes from the profile named by `profile` or $ABAQUEUE_PROFILE, then
        $ABAQUEUE_ADDRESS, $ABAQUEUE_TOKEN, $ABAQUEUE_TOKEN_FILE, $ABAQUEUE_CA_FILE, then the default
        profile of ~/.config/abaqueue/config.toml (see client.settings). Inputs larger than
        `multipart_threshold_bytes` go as multipart uploads of `transfer_parallelism` parts at once.
        A job whose inputs take `inline_bytes` or less together sends them inside CreateJob, which
        queues it at once: nothing to upload (0: always upload)."""
        found = settings.resolve(address, token=token, token_file=token_file, ca_file=ca_file, profile=profile)
        self.address = found.address
        self.profile = found.profile
        self.timeout = timeout
        self.multipart_threshold_bytes = multipart_threshold_bytes
        self.multipart_part_bytes = multipart_part_bytes
        self.transfer_parallelism = transfer_parallelism
        self.inline_bytes = min(inline_bytes, MAX_INLINE_BYTES)
        self.retries = retries
        self._sleep = sleep
        self._channel = open_channel(found.address, found.token, found.ca_file)
        self._stub = SubmissionServiceStub(self._channel)
        self._tokens = TokenServiceStub(self._channel)
        self._admin = AdminServiceStub(self._channel)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _job(self, msg: job_pb2.Job) -> Job:
        return Job.from_proto(msg, self)

    def submit(
        self, model: Path | str, cpus: int, files: Sequence[Path | str] = (), *, name: str | None = None,
        priority: int | str | None = None, labels: dict[str, str] | None = None, timeout: float | timedelta = 0,
        max_attempts: int = 0, archives: Sequence[Path | str] = (), find_includes: bool = True,
        license_tokens: int = 0, node: str = "", abaqus_version: str = "", requires_approval: bool = False,
        solver: SolverOptions | None = None, start_now: bool = False, request_id: str | None = None,
        batch_id: str = "", include_folder: Path | None = None, webhook: str = "", webhook_on_start: bool = False,
        on_sent: Callable[[str, int, int], None] | None = None,
    ) -> Job:
        """Create a job for `model` (an .inp file), upload its inputs and queue it.

        `files` are its other inputs (include files, a user subroutine, restart files); the files
        the model names with `input=` are found and added (`find_includes=False`: not), those in
        folders below the model's as one zip unpacked in place. A single user subroutine (.f, .for,
        .f90, .c, .cpp, .o, .obj) among the files is passed as `user=` unless `solver` names one.
        `archives` are .zip files the node unpacks into the job directory; `model` may then be an
        .inp at the top of one of them. `priority` is 0..30 or low, normal, high, urgent (default:
        your role's); `labels` a node must match (globs); `timeout` is the wall-clock limit of a run
        (seconds; default the node's); `max_attempts` how often a node or solver failure is retried
        (default the cluster's). `start_now`: refuse (FailedPrecondition, with the reasons) rather
        than queue a job that could not start at once. `batch_id`: the batch it joins. `webhook`: a URL
        POSTed when it ends (and starts, with `webhook_on_start`), else your own (set_webhook). `include_folder`:
        where the model's input= names are relative to, when not its own folder. `on_sent(file, nbytes,
        its size)` hears the uploads."""
        options = dict(name=name, priority=priority, labels=labels, timeout=timeout, max_attempts=max_attempts,
                       archives=archives, find_includes=find_includes, license_tokens=license_tokens, node=node,
                       abaqus_version=abaqus_version, requires_approval=requires_approval, solver=solver,
                       include_folder=include_folder)
        with self._prepared(model, cpus, files, **options) as (inputs, declared, create):
            create.request_id, create.start_now = request_id or str(uuid.uuid4()), start_now
            create.batch_id = batch_id
            if webhook:
                create.webhook.CopyFrom(pb.Webhook(url=webhook, on_start=webhook_on_start))
            created = self._call(self._stub.CreateJob, create)
            if created.job.state != job_pb2.JOB_STATE_BLOCKED or created.job.HasField("queue_time") \
                    or all(f.HasField("content") for f in create.input_files):
                return self._job(created.job)  # submitted already (a retry), or by CreateJob (inline)
            for request in created.upload_requests:
                name = request.file_name
                if name not in inputs.paths:
                    raise AbaqueueError(f"the scheduler asked for {name!r}, which was not given")
                info = declared[name]
                heard = None if on_sent is None else (lambda n, info=info: on_sent(info.name, n, info.size_bytes))
                self._upload_input(create, created.job.id, request, inputs.paths[name], info, heard)
        submitted = self._call(self._stub.SubmitJob, pb.SubmitJobRequest(job_id=created.job.id))
        return self._job(submitted.job)

    def preview(self, model: Path | str, cpus: int, files: Sequence[Path | str] = (), **options: Any) -> Preview:
        """What submit() with the same arguments would meet, without queueing or uploading anything:
        the job as it would be (its wait reasons, position, estimated start) and the nodes that could
        run it. Errors in the request raise as they would there."""
        with self._prepared(model, cpus, files, **options) as (inputs, _, create):
            create.validate_only = True
            answer = self._call(self._stub.CreateJob, create)
        return Preview(self._job(answer.job), tuple(answer.candidate_nodes), tuple(inputs.paths))

    @contextlib.contextmanager
    def _prepared(
        self, model: Path | str, cpus: int, files: Sequence[Path | str], *, name: str | None = None,
        priority: int | str | None = None, labels: dict[str, str] | None = None, timeout: float | timedelta = 0,
        max_attempts: int = 0, archives: Sequence[Path | str] = (), find_includes: bool = True,
        license_tokens: int = 0, node: str = "", abaqus_version: str = "", requires_approval: bool = False,
        solver: SolverOptions | None = None, include_folder: Path | None = None,
    ) -> Iterator[tuple[Inputs, dict[str, FileInfo], pb.CreateJobRequest]]:
        """The job's inputs (a zip of nested includes lives as long as this), each file described,
        and the CreateJob request for them."""
        solver = solver or SolverOptions()
        with tempfile.TemporaryDirectory(prefix="abaqueue-") as pack_dir:
            inputs = gather(Path(model), [Path(f) for f in files], [Path(a) for a in archives],
                            find_includes=find_includes, pack_dir=Path(pack_dir), folder=include_folder)
            if inputs.user_subroutine and not solver.user_subroutine:
                solver = replace(solver, user_subroutine=inputs.user_subroutine)
            if timeout:
                seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
                solver = replace(solver, timeout_s=seconds)
            declared = {n: transfer.describe(p) for n, p in inputs.paths.items()}
            inline = sum(f.size_bytes for f in declared.values()) <= self.inline_bytes
            yield inputs, declared, pb.CreateJobRequest(
                name=name or Path(inputs.model).stem, cpus=cpus, input_file=inputs.model,
                input_files=[transfer.to_proto(f, f.name in inputs.archives,
                                               inputs.paths[f.name].read_bytes() if inline else None)
                             for f in declared.values()],
                priority=priority_value(priority), license_tokens=license_tokens, required_labels=labels or {},
                required_node=node, abaqus_version=abaqus_version, requires_approval=requires_approval,
                solver=solver.to_proto(), max_attempts=max_attempts,
            )

    def _upload_input(self, create: pb.CreateJobRequest, job_id: str, request: job_pb2.PresignedRequest,
                      path: Path, info: FileInfo, on_sent: Callable[[int], None] | None) -> None:
        if info.size_bytes <= self.multipart_threshold_bytes:
            def again() -> job_pb2.PresignedRequest:  # CreateJob again with the same request id: fresh URLs
                fresh = self._call(self._stub.CreateJob, create).upload_requests
                return next(r for r in fresh if r.file_name == info.name)

            transfer.upload(request, path, info, again, on_sent)
            return
        transfer.upload_in_parts(
            path, info, part_bytes=self.multipart_part_bytes, parallel=self.transfer_parallelism,
            start=lambda: _started(self._call(self._stub.StartInputUpload, pb.StartInputUploadRequest(
                job_id=job_id, file_name=info.name))),
            sign=lambda upload_id, part, crc: self._call(self._stub.GetInputPartUrls, pb.GetInputPartUrlsRequest(
                job_id=job_id, file_name=info.name, upload_id=upload_id, parts=[job_pb2.UploadPart(
                    part_number=part.number, size_bytes=part.size, crc32=crc)])).upload_requests[0],
            join=lambda upload_id, parts: self._call(self._stub.CompleteInputUpload, pb.CompleteInputUploadRequest(
                job_id=job_id, file_name=info.name, upload_id=upload_id, parts=parts)).size_bytes,
            on_sent=on_sent)

    def get(self, job_id: str) -> Job:
        return self._job(self._call(self._stub.GetJob, pb.GetJobRequest(job_id=job_id)).job)

    def jobs(self, state: JobState | str | Sequence[JobState | str] = (), user: str = "",
             limit: int | None = None, page_size: int = 100) -> Iterator[Job]:
        """Jobs newest first: those in `state` (one or several; all when empty), of `user` (admins:
        anyone; leads: their team's members), at most `limit`; fetched a page at a time."""
        states = [state] if isinstance(state, (str, JobState)) else list(state)
        wanted = [s if isinstance(s, JobState) else JobState.named(s) for s in states]
        size = min(page_size, limit) if limit else page_size
        request = pb.ListJobsRequest(page_size=size, states=[s.to_proto() for s in wanted], owner=user)
        count = 0
        while True:
            page = self._call(self._stub.ListJobs, request)
            for msg in page.jobs:
                if limit is not None and count >= limit:
                    return
                count += 1
                yield self._job(msg)
            if not page.next_page_token or (limit is not None and count >= limit):
                return
            request.page_token = page.next_page_token

    def list(self, states: Sequence[JobState] = (), page_size: int = 100) -> Iterator[Job]:
        """Every job in `states` (all when empty), newest first: `jobs()` without its filters."""
        return self.jobs(states, page_size=page_size)

    def cancel(self, job_id: str) -> Job:
        return self._job(self._call(self._stub.CancelJob, pb.CancelJobRequest(job_id=job_id)).job)

    def watch(self, job_id: str, final_only: bool = False) -> Iterator[Job]:
        """The job now, then after every change; ends once it reaches a final state (`final_only`:
        only that). A broken connection is reopened (the job as it is then comes first)."""
        request = pb.WatchJobRequest(job_id=job_id, final_only=final_only)
        for response in self._streamed(lambda: self._stub.WatchJob(request)):
            job = self._job(response.job)
            yield job
            if job.state.is_final:
                return

    def wait(self, job_id: str, on_update: Callable[[Job], None] | None = None, progress: bool = False) -> Job:
        """Block until the job reaches a final state and return it; `on_update` sees every change,
        `progress` shows a bar on the terminal (stderr)."""
        bar = render.JobProgressBar(Console(stderr=True), job_id) if progress else None
        last: Job | None = None
        with bar or contextlib.nullcontext():
            for last in self.watch(job_id, final_only=bar is None and on_update is None):
                if bar is not None:
                    bar.update(last)
                if on_update is not None:
                    on_update(last)
        if last is None or not last.state.is_final:
            raise AbaqueueError(f"the scheduler stopped reporting on job {job_id} before it finished")
        return last

    def job_events(self, job_id: str, after: str = "") -> Iterator[JobEvent]:
        """The job's events until it ends: from the start (the job, its log so far, then what
        happens), or just after the event whose cursor is `after`. A broken connection is resumed
        from the last event received, so nothing is missed or given twice."""
        return self._events(lambda cursor: self._stub.WatchJobEvents(
            pb.WatchJobEventsRequest(job_id=job_id, after=cursor)), after)

    def events(self, after: str = "") -> Iterator[JobEvent]:
        """The events of every job you may see (admins: all; leads: theirs and their team's),
        starting with each unfinished job as it is; it does not end. Resumed like job_events()."""
        return self._events(lambda cursor: self._stub.WatchEvents(pb.WatchEventsRequest(after=cursor)), after)

    def _events(self, open_stream: Callable[[str], Any], after: str) -> Iterator[JobEvent]:
        cursor = [after]  # the last cursor received: where a reopened stream resumes
        for response in self._streamed(lambda: open_stream(cursor[0])):
            event = JobEvent.from_proto(response.event, self)
            if response.event.cursor:
                cursor[0] = response.event.cursor
            if event is not None:
                yield event

    def _streamed(self, open_stream: Callable[[], Any]) -> Iterator[Any]:
        """The responses of a server stream (no deadline: jobs run for hours), reopened with
        `open_stream()` after an UNAVAILABLE break, up to `retries` times in a row."""
        failures = 0
        while True:
            stream = open_stream()
            try:
                for response in stream:
                    failures = 0
                    yield response
                return
            except grpc.RpcError as e:
                if e.code() not in RETRIED or failures >= self.retries:
                    raise from_rpc_error(e) from e
                self._sleep(backoff(failures, cap=RETRY_CAP_S))
                failures += 1
            finally:
                stream.cancel()

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

    # --- batches

    def create_batch(self, name: str, parallelism: int, expected_jobs: int, request_id: str | None = None) -> Batch:
        """An empty batch: jobs join it with submit(..., batch_id=batch.id)."""
        request = pb.CreateBatchRequest(request_id=request_id or str(uuid.uuid4()), name=name,
                                        parallelism=parallelism, expected_jobs=expected_jobs)
        return Batch.from_proto(self._call(self._stub.CreateBatch, request).batch)

    def submit_batch(self, study: Study, on_job: Callable[[Job], None] | None = None,
                     request_id: str | None = None) -> Batch:
        """Every job of `study` in one batch (retried with the same `request_id`, nothing is made
        twice); `on_job` hears each job as it is queued. A job that cannot be submitted cancels the
        batch (its jobs queued so far too) and raises, naming it."""
        request_id = request_id or str(uuid.uuid4())
        with study.models() as jobs:
            batch = self.create_batch(study.name, study.parallelism, len(jobs), request_id)
            for i, spec in enumerate(jobs):
                try:
                    job = self.submit(spec.model, study.cpus, study.files, name=spec.name, batch_id=batch.id,
                                      request_id=f"{request_id}/{i}", include_folder=spec.folder, **study.options)
                except AbaqueueError as e:  # a study goes whole or not at all
                    self.cancel_batch(batch.id)
                    raise type(e)(f"job {spec.name} ({i + 1} of {len(jobs)}): {e.message}; batch {batch.id} "
                                  "was cancelled", e.code) from e
                if on_job is not None:
                    on_job(job)
        return self.get_batch(batch.id)

    def get_batch(self, batch_id: str) -> Batch:
        return Batch.from_proto(self._call(self._stub.GetBatch, pb.GetBatchRequest(batch_id=batch_id)).batch)

    def batches(self, limit: int = 100) -> list[Batch]:
        answer = self._call(self._stub.ListBatches, pb.ListBatchesRequest(page_size=limit))
        return [Batch.from_proto(b) for b in answer.batches]

    def cancel_batch(self, batch_id: str) -> Batch:
        return Batch.from_proto(self._call(self._stub.CancelBatch, pb.CancelBatchRequest(batch_id=batch_id)).batch)

    def wait_batch(self, batch_id: str, on_update: Callable[[Batch], None] | None = None,
                   every_s: float = 2.0) -> Batch:
        """Block until every job of the batch has ended; `on_update` sees it every `every_s`."""
        while True:
            batch = self.get_batch(batch_id)
            if on_update is not None:
                on_update(batch)
            if batch.progress.finished:
                return batch
            self._sleep(every_s)

    def download_batch_results(self, batch_id: str, dest: Path, only: Sequence[str] = ()) -> dict[str, list[Path]]:
        """Each job's result files into a folder of its own, `dest`/JOB_NAME (its id when two jobs
        share a name); jobs without results are left out."""
        saved: dict[str, list[Path]] = {}
        jobs = [self.get(i) for i in self.get_batch(batch_id).job_ids]
        names = [j.name for j in jobs]
        for job in jobs:
            if job.result_files:
                folder = job.name if names.count(job.name) == 1 else job.id
                saved[job.id] = self.download_results(job.id, Path(dest) / folder, only)
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
        return self._job(self._call(self._stub.SetJobPriority, request).job)

    def set_webhook(self, url: str, on_start: bool = False, user: str = "") -> None:
        """POST to `url` when a job of yours (of `user`, for admins) ends, and starts with `on_start`,
        unless the job names its own; an empty url removes it."""
        self._call(self._stub.SetWebhook, pb.SetWebhookRequest(user=user, webhook=pb.Webhook(url=url,
                                                                                          on_start=on_start)))

    def service_status(self) -> ServiceStatus:
        """Which backends (Abaqus versions, node pools) are available, unavailable or in maintenance."""
        return ServiceStatus.from_proto(self._call(self._stub.GetServiceStatus, pb.GetServiceStatusRequest()))

    def queue_stats(self) -> QueueStats:
        return QueueStats.from_proto(self._call(self._stub.GetQueueStats, pb.GetQueueStatsRequest()))

    def my_queue(self) -> MyQueue:
        return MyQueue.from_proto(self._call(self._stub.GetMyQueue, pb.GetMyQueueRequest()))

    def nodes(self) -> list[NodeInfo]:
        return [NodeInfo.from_proto(n) for n in self._call(self._admin.ListNodes, adm.ListNodesRequest()).nodes]

    # --- admins

    def approve(self, job_id: str) -> Job:
        return self._job(self._call(self._admin.ApproveJob, adm.ApproveJobRequest(job_id=job_id)).job)

    def reject(self, job_id: str, reason: str) -> Job:
        request = adm.RejectJobRequest(job_id=job_id, reason=reason)
        return self._job(self._call(self._admin.RejectJob, request).job)

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

    def remove_node(self, node: str) -> NodeInfo:
        """Forget a node that holds no job (drain it and let its jobs end first)."""
        return NodeInfo.from_proto(self._call(self._admin.RemoveNode, adm.RemoveNodeRequest(node_name=node)).node)

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


def _settings(msg: adm.QueueSettings) -> dict[str, Any]:
    return {f.name: getattr(msg, f.name) for f in msg.DESCRIPTOR.fields}


def _started(resp: pb.StartInputUploadResponse) -> tuple[str, list[job_pb2.UploadPart]]:
    return resp.upload_id, list(resp.stored_parts)
