"""Protobuf to domain and back. Protobuf types stop here: nothing past the services sees them."""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from abaqueue.presigned_http import PresignedTarget
from abaqueue.v1 import batch_pb2 as bt
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import job_pb2 as pb
from abaqueue.v1 import submission_service_pb2 as sub
from abaqueue.v1 import token_service_pb2 as tok

from .blobs import StoredPart
from .dispatch import WaitInfo
from .domain.backends import Backend
from .domain.batch import Batch
from .domain.batch import Progress as BatchProgress
from .domain.errors import InvalidArgument
from .domain.identity import Principal, Role, TokenRecord
from .domain.job import ErrorClass, FileSpec, Job, JobState, Outcome, PartSpec, Progress, SolverOptions
from .domain.job_events import Cursor, JobEvent, Kind
from .domain.job_log import LogLine
from .domain.policy import Code, Reason

STATE_TO_PB = {s: pb.JobState.Value(f"JOB_STATE_{s.value}") for s in JobState}
STATE_FROM_PB = {v: k for k, v in STATE_TO_PB.items()}
ERROR_CLASS_TO_PB = {c: pb.ErrorClass.Value(f"ERROR_CLASS_{c.name}") for c in ErrorClass}
ERROR_CLASS_FROM_PB = {v: k for k, v in ERROR_CLASS_TO_PB.items()}
OUTCOME_FROM_PB = {ex.Outcome.Value(f"OUTCOME_{o.name}"): o for o in Outcome}
ROLE_TO_PB = {r: tok.Role.Value(f"ROLE_{r.name}") for r in Role}
ROLE_FROM_PB = {v: k for k, v in ROLE_TO_PB.items()}


def timestamp(seconds: float | None) -> Timestamp | None:
    if seconds is None:
        return None
    ts = Timestamp()
    ts.FromNanoseconds(int(seconds * 1e9))
    return ts


def duration(seconds: float) -> Duration:
    d = Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d


def file_to_pb(f: FileSpec, content: bytes | None = None) -> pb.FileInfo:
    return pb.FileInfo(name=f.name, size_bytes=f.size_bytes, sha256=f.sha256, unpack=f.unpack, content=content)


def file_from_pb(f: pb.FileInfo) -> FileSpec:
    return FileSpec(name=f.name, size_bytes=f.size_bytes, sha256=f.sha256, unpack=f.unpack,
                    inline=f.HasField("content"))


def contents_from_pb(files: Sequence[pb.FileInfo]) -> list[bytes | None]:
    """The content of each file sent inline; None for the others."""
    return [f.content if f.HasField("content") else None for f in files]


def part_from_pb(p: pb.UploadPart) -> PartSpec:
    return PartSpec(number=p.part_number, size_bytes=p.size_bytes, crc32=p.crc32, etag=p.etag)


def stored_part_to_pb(p: StoredPart) -> pb.UploadPart:
    return pb.UploadPart(part_number=p.number, size_bytes=p.size_bytes, etag=p.etag)


def target_to_pb(t: PresignedTarget, expire_seconds: float) -> pb.PresignedRequest:
    return pb.PresignedRequest(file_name=t.file_name, method=t.method, url=t.url, headers=t.headers,
                               expire_time=timestamp(expire_seconds))


def progress_to_pb(p: Progress) -> pb.Progress:
    msg = pb.Progress(step=p.step, total_steps=p.total_steps, increment=p.increment,
                      step_fraction=p.step_fraction, overall_fraction=p.overall_fraction,
                      waiting_for_license=p.waiting_for_license, cpu_percent=p.cpu_percent,
                      memory_bytes=p.memory_bytes, warning=p.warning)
    if p.seconds_left is not None:
        msg.estimated_time_left.CopyFrom(duration(p.seconds_left))
    return msg


def progress_from_pb(p: pb.Progress) -> Progress:
    return Progress(
        step=p.step, total_steps=p.total_steps, increment=p.increment,
        step_fraction=min(max(p.step_fraction, 0.0), 1.0),
        overall_fraction=min(max(p.overall_fraction, 0.0), 1.0),
        waiting_for_license=p.waiting_for_license,
        seconds_left=p.estimated_time_left.ToNanoseconds() / 1e9 if p.HasField("estimated_time_left") else None,
        cpu_percent=min(max(p.cpu_percent, 0.0), 1e6) if p.cpu_percent == p.cpu_percent else 0.0,
        memory_bytes=max(p.memory_bytes, 0), warning=p.warning[:500],
    )


def log_line_to_pb(line: LogLine) -> pb.LogLine:
    return pb.LogLine(seq=line.seq, time=timestamp(line.time), attempt=line.attempt, level=line.level.value,
                      source=line.source.value,
                      text=line.text)


def event_to_pb(event: JobEvent, cursor: Cursor | None) -> pb.JobEvent:
    msg = pb.JobEvent(cursor=str(cursor) if cursor else "", job_id=event.job.id, time=timestamp(event.time),
                      resync=event.resync)
    if event.kind is Kind.JOB:
        msg.job.CopyFrom(job_to_pb(event.job))
    elif event.kind is Kind.PROGRESS:
        msg.progress.CopyFrom(progress_to_pb(event.job.progress))
    elif event.kind is Kind.LOG:
        msg.log_line.CopyFrom(log_line_to_pb(event.line))
    else:
        msg.warning = event.warning
    return msg


def batch_to_pb(batch: Batch, progress: BatchProgress) -> bt.Batch:
    p = progress
    return bt.Batch(
        id=batch.id, name=batch.name, owner=batch.owner, team=batch.team, parallelism=batch.parallelism,
        expected_jobs=batch.expected_jobs, create_time=timestamp(batch.create_time), job_ids=list(batch.job_ids),
        cancelled=batch.cancelled,
        progress=bt.BatchProgress(
            total_jobs=p.total_jobs, total_stages=p.total_stages, completed_stages=p.completed_stages,
            completed=p.completed, failed=p.failed, cancelled=p.cancelled, waiting=p.waiting,
            running=[bt.BatchRunningJob(job_id=r.job_id, name=r.name, node=r.node, stage=r.stage,
                                        stage_start_time=timestamp(r.stage_start)) for r in p.running],
            estimated_finish_time=timestamp(p.estimated_finish), removed=p.removed))


def backend_to_pb(backend: Backend) -> sub.BackendState:
    return sub.BackendState(name=backend.name, description=backend.description,
                            availability=sub.BackendAvailability.Value(f"BACKEND_AVAILABILITY_{backend.status.name}"))


def solver_to_pb(o: SolverOptions) -> pb.SolverOptions:
    msg = pb.SolverOptions(memory=o.memory, double_precision=o.double_precision, user_subroutine=o.user_subroutine,
                           oldjob=o.oldjob, result_patterns=list(o.result_patterns), restart_files=o.restart_files)
    if o.timeout_s:
        msg.timeout.CopyFrom(duration(o.timeout_s))
    return msg


def solver_from_pb(o: pb.SolverOptions) -> SolverOptions:
    return SolverOptions(o.memory, o.double_precision, o.user_subroutine, o.oldjob,
                         o.timeout.ToNanoseconds() / 1e9 if o.HasField("timeout") else 0.0,
                         tuple(o.result_patterns), o.restart_files)


def job_to_pb(job: Job, wait: WaitInfo | None = None) -> pb.Job:
    """The job as the API shows it; `wait` adds a WAITING job's reasons, position and estimate."""
    msg = pb.Job(
        id=job.id, name=job.name, cpus=job.cpus, input_file=job.input_file,
        input_files=[file_to_pb(f) for f in job.input_files], state=STATE_TO_PB[job.state],
        owner=job.owner, team=job.team, attempt=job.attempt, node=job.node, progress=progress_to_pb(job.progress),
        create_time=timestamp(job.create_time), start_time=timestamp(job.start_time),
        end_time=timestamp(job.end_time), error_message=job.error_message,
        error_class=ERROR_CLASS_TO_PB[job.error_class] if job.error_class else 0,
        result_files=[file_to_pb(f) for f in job.result_files], missing_files=list(job.missing_files),
        priority=job.priority, effective_priority=wait.effective_priority if wait else job.priority,
        license_tokens=job.license_tokens, required_labels=dict(job.required_labels),
        required_node=job.required_node, abaqus_version=job.abaqus_version,
        requires_approval=job.requires_approval, queue_time=timestamp(job.queue_time),
        wait_reasons=[pb.WaitReason(code=r.code.value, message=r.message) for r in blocked_reasons(job)],
        solver=solver_to_pb(job.solver), max_attempts=job.max_attempts, batch_id=job.batch_id,
        webhook_url=job.webhook_url, webhook_on_start=job.webhook_on_start,
        state_history=[pb.StateChange(state=STATE_TO_PB[c.state], time=timestamp(c.time), attempt=c.attempt,
                                      node=c.node) for c in job.states],
    )
    if wait is not None:
        msg.wait_reasons.extend(pb.WaitReason(code=r.code.value, message=r.message) for r in wait.reasons)
        msg.queue_position = wait.ahead + 1
        if wait.estimated_start is not None:
            msg.estimated_start_time.CopyFrom(timestamp(wait.estimated_start))
    return msg


def blocked_reasons(job: Job) -> list[Reason]:
    """What holds a BLOCKED job: its inputs, or an admin's approval."""
    if job.state is not JobState.BLOCKED:
        return []
    code = Code.AWAITING_APPROVAL if job.awaiting_approval else Code.AWAITING_INPUTS
    return [Reason(code, r) for r in job.reasons]


def states_from_pb(values, field: str) -> list[JobState]:
    out = []
    for i, v in enumerate(values):
        if v not in STATE_FROM_PB:
            raise InvalidArgument(f"{field}[{i}]", f"{v} is not a job state")
        out.append(STATE_FROM_PB[v])
    return out


def role_from_pb(value: int) -> Role:
    if value not in ROLE_FROM_PB:
        raise InvalidArgument("role", f"{value} is not a role")
    return ROLE_FROM_PB[value]


def ttl_from_pb(request, field: str = "ttl") -> float | None:
    """Seconds of the request's Duration `field`, or None when it is unset."""
    return getattr(request, field).ToNanoseconds() / 1e9 if request.HasField(field) else None


def token_to_pb(record: TokenRecord) -> tok.TokenInfo:
    p = record.principal
    return tok.TokenInfo(token_id=record.token_id, user=p.user, role=ROLE_TO_PB[p.role], team=p.team,
                         description=record.description, create_time=timestamp(record.created),
                         expire_time=timestamp(record.expires), revoked=record.revoked)


def token_from_pb(info: tok.TokenInfo, token_hash: str) -> TokenRecord:
    """The record behind `info`, a token database's answer for the token hashed `token_hash`."""
    return TokenRecord(
        token_hash, Principal(info.user, role_from_pb(info.role), info.team),
        created=info.create_time.ToNanoseconds() / 1e9,
        expires=info.expire_time.ToNanoseconds() / 1e9 if info.HasField("expire_time") else None,
        revoked=info.revoked, description=info.description)


def outcome_from_pb(value: int) -> Outcome:
    if value not in OUTCOME_FROM_PB:
        raise InvalidArgument("outcome", f"{value} is not an outcome")
    return OUTCOME_FROM_PB[value]


def error_class_from_pb(value: int) -> ErrorClass | None:
    if value == 0:
        return None
    if value not in ERROR_CLASS_FROM_PB:
        raise InvalidArgument("error_class", f"{value} is not an error class")
    return ERROR_CLASS_FROM_PB[value]
