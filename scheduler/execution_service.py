"""ExecutionService: translates agents' requests into ExecutionApp calls and results back."""

from __future__ import annotations

import time

from abaqueue.v1 import execution_service_pb2 as pb
from abaqueue.v1 import execution_service_pb2_grpc as pb_grpc

from . import convert
from .auth import caller
from .domain.errors import InvalidArgument, PermissionDenied
from .execution import ExecutionApp
from .grpc_errors import mapped
from .nodes import Node


def _attempt(msg: pb.JobAttempt, field: str = "job_attempt") -> tuple[str, int]:
    if not msg.job_id:
        raise InvalidArgument(f"{field}.job_id", "is required")
    if msg.attempt < 1:
        raise InvalidArgument(f"{field}.attempt", f"{msg.attempt} is not an attempt number")
    return msg.job_id, msg.attempt


def _own(node_name: str) -> str:
    """`node_name`, if it is the node the caller's token belongs to."""
    if not node_name:
        raise InvalidArgument("node_name", "is required")
    me = caller().user
    if node_name != me:
        raise PermissionDenied(f"node_name: this token belongs to node {me!r}, not {node_name[:64]!r}")
    return node_name


class ExecutionService(pb_grpc.ExecutionServiceServicer):
    def __init__(self, app: ExecutionApp, url_expiry_s: float) -> None:
        self.app = app
        self.url_expiry_s = url_expiry_s

    @mapped
    async def RegisterNode(self, request, context):
        self.app.register(Node(name=_own(request.node_name), cpus=request.cpus, labels=dict(request.labels),
                               abaqus_versions=tuple(request.abaqus_versions), max_jobs=request.max_jobs,
                               agent_version=request.agent_version, protocol_version=request.protocol_version))
        config = self.app.config
        return pb.RegisterNodeResponse(
            heartbeat_interval=convert.duration(config.heartbeat_interval_s),
            long_poll_timeout=convert.duration(config.long_poll_timeout_s),
            lost_after=convert.duration(config.heartbeat_interval_s + config.node_silent_grace_s),
        )

    @mapped
    async def AcquireJob(self, request, context):
        acquired = await self.app.acquire_job(_own(request.node_name))
        if acquired is None:
            return pb.AcquireJobResponse()
        job, inline = acquired
        return pb.AcquireJobResponse(assignment=pb.Assignment(
            job_attempt=pb.JobAttempt(job_id=job.id, attempt=job.attempt), name=job.name, cpus=job.cpus,
            input_file=job.input_file, input_files=[convert.file_to_pb(f, inline.get(f.name))
                                                    for f in job.input_files],
            max_unpacked_bytes=self.app.config.role_limits.job_bytes_of(job.owner_role),
            solver=convert.solver_to_pb(job.solver),
        ))

    @mapped
    async def Heartbeat(self, request, context):
        running = [_attempt(a, f"running[{i}]") for i, a in enumerate(request.running)]
        licenses = ((request.license_usage.issued, request.license_usage.in_use)
                    if request.HasField("license_usage") else None)
        stop = self.app.heartbeat(_own(request.node_name), running, licenses)
        return pb.HeartbeatResponse(stop=[pb.JobAttempt(job_id=j, attempt=a) for j, a in stop])

    @mapped
    async def AcquireTransferSlot(self, request, context):
        slot = await self.app.acquire_slot(_own(request.node_name), *_attempt(request.job_attempt))
        return pb.AcquireTransferSlotResponse(slot_id=slot or "", lease=convert.duration(self.app.slots.lease_s))

    @mapped
    async def RenewTransferSlot(self, request, context):
        self.app.renew_slot(_own(request.node_name), request.slot_id)
        return pb.RenewTransferSlotResponse(lease=convert.duration(self.app.slots.lease_s))

    @mapped
    async def ReleaseTransferSlot(self, request, context):
        self.app.release_slot(_own(request.node_name), request.slot_id)
        return pb.ReleaseTransferSlotResponse()

    @mapped
    async def GetInputDownloads(self, request, context):
        files, targets = await self.app.input_downloads(caller().user, *_attempt(request.job_attempt))
        expiry = time.time() + self.url_expiry_s
        return pb.GetInputDownloadsResponse(files=[convert.file_to_pb(f) for f in files],
                                            download_requests=[convert.target_to_pb(t, expiry) for t in targets])

    @mapped
    async def GetResultUploads(self, request, context):
        targets = self.app.result_uploads(caller().user, *_attempt(request.job_attempt),
                                          [convert.file_from_pb(f) for f in request.files])
        expiry = time.time() + self.url_expiry_s
        return pb.GetResultUploadsResponse(upload_requests=[convert.target_to_pb(t, expiry) for t in targets])

    @mapped
    async def StartResultUpload(self, request, context):
        upload_id, stored = await self.app.start_result_upload(caller().user, *_attempt(request.job_attempt),
                                                               request.file_name, request.fresh)
        return pb.StartResultUploadResponse(upload_id=upload_id,
                                            stored_parts=[convert.stored_part_to_pb(p) for p in stored])

    @mapped
    async def GetUploadPartUrls(self, request, context):
        targets = self.app.result_part_urls(caller().user, *_attempt(request.job_attempt), request.file_name,
                                            request.upload_id, [convert.part_from_pb(p) for p in request.parts])
        expiry = time.time() + self.url_expiry_s
        return pb.GetUploadPartUrlsResponse(upload_requests=[convert.target_to_pb(t, expiry) for t in targets])

    @mapped
    async def CompleteResultUpload(self, request, context):
        size = await self.app.complete_result_upload(caller().user, *_attempt(request.job_attempt),
                                                     request.file_name, request.upload_id,
                                                     [convert.part_from_pb(p) for p in request.parts])
        return pb.CompleteResultUploadResponse(size_bytes=size)

    @mapped
    async def ReportProgress(self, request, context):
        stop = self.app.report_progress(caller().user, *_attempt(request.job_attempt),
                                        convert.progress_from_pb(request.progress), list(request.log_lines),
                                        list(request.agent_lines), list(request.sta_lines), request.sta_lines_before)
        return pb.ReportProgressResponse(stop=stop)

    @mapped
    async def CompleteJob(self, request, context):
        job = await self.app.complete(
            caller().user, *_attempt(request.job_attempt), convert.outcome_from_pb(request.outcome),
            convert.error_class_from_pb(request.error_class), request.error_message,
            [convert.file_from_pb(f) for f in request.result_files], list(request.missing_files),
            list(request.log_lines),
        )
        return pb.CompleteJobResponse(job=convert.job_to_pb(job))
