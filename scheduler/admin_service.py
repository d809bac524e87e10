"""AdminService: translates requests into AdminApp calls and results back."""

from __future__ import annotations

import dataclasses

from abaqueue.v1 import admin_service_pb2 as pb
from abaqueue.v1 import admin_service_pb2_grpc as pb_grpc

from . import convert
from .admin import AdminApp
from .auth import caller
from .domain.queue_settings import QueueSettings
from .grpc_errors import mapped
from .nodes import Node
from .transfer_slots import SlotStats, TransferSlots

ADMIN = pb.DESCRIPTOR.services_by_name["AdminService"].full_name


def settings_to_pb(s: QueueSettings) -> pb.QueueSettings:
    return pb.QueueSettings(**dataclasses.asdict(s))


def settings_from_pb(msg: pb.QueueSettings) -> dict[str, object]:
    """The settings set in `msg`, by name."""
    return {f.name: value for f, value in msg.ListFields()}


def slot_stats_to_pb(s: SlotStats) -> pb.TransferSlotStats:
    return pb.TransferSlotStats(
        grants=s.grants, waiting=s.waiting, held=s.held, lapsed=s.lapsed, wait_total_seconds=s.wait_total_s,
        wait_max_seconds=s.wait_max_s, hold_total_seconds=s.hold_total_s, hold_max_seconds=s.hold_max_s)


class AdminService(pb_grpc.AdminServiceServicer):
    def __init__(self, app: AdminApp, slots: TransferSlots) -> None:
        self.app = app
        self.slots = slots

    def node_to_pb(self, n: Node) -> pb.Node:
        state, tokens = self.app.node_state(n)
        return pb.Node(name=n.name, cpus=n.cpus, free_cpus=n.free_cpus, max_jobs=n.max_jobs, labels=n.labels,
                       abaqus_versions=list(n.abaqus_versions), drained=n.drained, job_ids=sorted(n.jobs),
                       last_seen_time=convert.timestamp(n.last_seen or None),
                       transfer_slots=slot_stats_to_pb(self.slots.stats(n.name)), state=state,
                       license_tokens_in_use=tokens, agent_version=n.agent_version,
                       protocol_version=n.protocol_version)

    @mapped
    async def ApproveJob(self, request, context):
        return pb.ApproveJobResponse(job=convert.job_to_pb(self.app.approve(caller(), request.job_id)))

    @mapped
    async def RejectJob(self, request, context):
        return pb.RejectJobResponse(job=convert.job_to_pb(self.app.reject(caller(), request.job_id, request.reason)))

    @mapped
    async def GetQueueSettings(self, request, context):
        return pb.GetQueueSettingsResponse(settings=settings_to_pb(self.app.settings(caller())))

    @mapped
    async def UpdateQueueSettings(self, request, context):
        changed = self.app.update_settings(caller(), settings_from_pb(request.settings))
        return pb.UpdateQueueSettingsResponse(settings=settings_to_pb(changed))

    @mapped
    async def CleanupJobs(self, request, context):
        deleted = await self.app.cleanup(caller(), request.days)
        return pb.CleanupJobsResponse(deleted=deleted, days=request.days)

    @mapped
    async def ProcessQueue(self, request, context):
        return pb.ProcessQueueResponse(waiting=self.app.process(caller()))

    @mapped
    async def ListNodes(self, request, context):
        return pb.ListNodesResponse(nodes=[self.node_to_pb(n) for n in self.app.list_nodes(caller())])

    @mapped
    async def DrainNode(self, request, context):
        return pb.DrainNodeResponse(node=self.node_to_pb(self.app.drain(caller(), request.node_name, True)))

    @mapped
    async def RemoveNode(self, request, context):
        return pb.RemoveNodeResponse(node=self.node_to_pb(self.app.remove_node(caller(), request.node_name)))

    @mapped
    async def ResumeNode(self, request, context):
        return pb.ResumeNodeResponse(node=self.node_to_pb(self.app.drain(caller(), request.node_name, False)))
