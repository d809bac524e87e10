"""`abaqueue-agent check`: whether this node can run Abaqus jobs for the scheduler. The same checks
as ps_scripts/Test-AbaqueueNode.ps1: Abaqus found, its license server answering, the work directory
writable with room, and the scheduler reachable with the node's token."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import grpc

from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc

from . import licensing
from .config import AgentConfig, ConfigError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_all(config: AgentConfig) -> list[Check]:
    return [abaqus(config), license_server(config), work_dir(config), disk(config),
            asyncio.run(scheduler(config))]


def abaqus(config: AgentConfig) -> Check:
    program = config.abaqus_command[0]
    found = shutil.which(program) or (program if Path(program).is_file() else None)
    if not found:
        return Check("abaqus", False, f"{program} not found: set abaqus_command to the launcher's full path "
                                      "(for example C:\\SIMULIA\\Commands\\abaqus.bat)")
    return Check("abaqus", True, found)


def license_server(config: AgentConfig) -> Check:
    report = asyncio.run(licensing.query(config))
    if report.error:
        return Check("license server", False, report.error)
    if licensing.is_dsls(config):
        ok = report.exit_code == 0 and "error" not in report.output.lower()
        return Check("license server", ok, report.last_line())
    usage = licensing.parse_usage(report.output)
    if usage is None:
        return Check("license server", False, f"no 'Users of abaqus' in lmstat's report: {report.last_line()}")
    return Check("license server", True, f"{usage[0]} tokens issued, {usage[1]} in use")


def work_dir(config: AgentConfig) -> Check:
    try:
        config.work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=config.work_dir, prefix="check-"):
            pass
    except OSError as e:
        return Check("work directory", False, f"{config.work_dir}: {e}")
    return Check("work directory", True, str(config.work_dir.resolve()))


def disk(config: AgentConfig) -> Check:
    try:
        free = shutil.disk_usage(config.work_dir).free
    except OSError as e:
        return Check("disk space", False, str(e))
    ok = free >= config.min_free_disk_bytes
    return Check("disk space", ok, f"{free / 1e9:.1f} GB free, at least {config.min_free_disk_bytes / 1e9:.1f} "
                                   "GB wanted (min_free_disk_bytes)")


async def scheduler(config: AgentConfig) -> Check:
    """A heartbeat with nothing running: it needs the token, and changes nothing."""
    try:
        token, credentials = config.token(), config.credentials()
    except ConfigError as e:
        return Check("scheduler", False, str(e))
    channel = (grpc.aio.secure_channel(config.scheduler, credentials) if credentials
               else grpc.aio.insecure_channel(config.scheduler))
    try:
        await ex_grpc.ExecutionServiceStub(channel).Heartbeat(
            ex.HeartbeatRequest(node_name=config.node_name), timeout=10,
            metadata=(("authorization", f"Bearer {token}"),) if token else None)
        return Check("scheduler", True, f"{config.scheduler} accepts node {config.node_name}")
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:  # the token is good; the agent registers when it starts
            return Check("scheduler", True, f"{config.scheduler} accepts the token; node {config.node_name} "
                                            "registers when the agent starts")
        return Check("scheduler", False, f"{config.scheduler}: {e.code().name}: {e.details()}")
    finally:
        await channel.close()
