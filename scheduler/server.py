"""The scheduler process: the store, the indexes rebuilt from it, and two gRPC ports.

Both ports serve gRPC health checking and server reflection, so `grpcurl` works without .proto files;
every other call needs a bearer token valid on its port.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from abaqueue.v1 import execution_service_pb2, submission_service_pb2, token_service_pb2
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc
from abaqueue.v1 import token_service_pb2_grpc as tok_grpc

from .auth import TokenInterceptor
from .blobs import S3Blobs
from .call_bound import CallBound
from .config import SchedulerConfig
from .dispatch import WaitingQueue
from .domain.identity import Port
from .domain.job import JobState
from .domain.limits import RateLimiter, RoleLimits
from .events import JobEvents
from .execution import ExecutionApp
from .execution_service import ExecutionService
from .jobs import JobBook
from .nodes import NodeRegistry
from .store import JobStore, SqliteStore
from .submission import SubmissionApp
from .submission_service import SubmissionService
from .token_service import TokenService
from .tokens import TokenBook
from .transfer_slots import TransferSlots

log = logging.getLogger(__name__)

SUBMISSION = submission_service_pb2.DESCRIPTOR.services_by_name["SubmissionService"].full_name
TOKENS = token_service_pb2.DESCRIPTOR.services_by_name["TokenService"].full_name
EXECUTION = execution_service_pb2.DESCRIPTOR.services_by_name["ExecutionService"].full_name


def restore(store: JobStore, queue: WaitingQueue, nodes: NodeRegistry, limits: RoleLimits) -> int:
    """Rebuild the in-memory indexes from the store, the source of truth."""
    jobs = store.unfinished()
    for job in sorted(jobs, key=lambda j: (j.queue_time or 0.0, j.id)):
        if job.state is JobState.WAITING:
            queue.add(job.id, job.cpus, job.owner, limits.concurrent_jobs(job.owner_role))
        elif job.state.is_active:
            nodes.hold(job.node, job.id, job.cpus)
            queue.started(job.owner)
    return len(jobs)


def _grpc_server(max_message_bytes: int, *interceptors: grpc.aio.ServerInterceptor) -> grpc.aio.Server:
    return grpc.aio.server(interceptors=list(interceptors), options=[
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.so_reuseport", 0),
    ])


def _add_health_and_reflection(server: grpc.aio.Server, services: tuple[str, ...]) -> health.aio.HealthServicer:
    checker = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    reflection.enable_server_reflection([*services, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    return checker


class SchedulerServer:
    def __init__(
        self, config: SchedulerConfig, *, store: JobStore | None = None, blobs: S3Blobs | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.store = store or SqliteStore(config.database)
        self.blobs = blobs or S3Blobs(config.s3)
        self.queue = WaitingQueue()
        self.nodes = NodeRegistry()
        self.tokens = TokenBook(self.store, clock=clock)
        book = JobBook(self.store, JobEvents(), clock)
        self.submission = SubmissionApp(book, self.blobs, self.queue, config.role_limits,
                                        RateLimiter(config.submit_rate_per_s, config.submit_burst),
                                        self.nodes.largest)
        self.execution = ExecutionApp(book, self.blobs, self.queue, self.nodes,
                                      TransferSlots(config.transfer_slots_per_node), config)
        self._servers: list[grpc.aio.Server] = []
        self._health: list[health.aio.HealthServicer] = []
        self.submission_port = 0
        self.execution_port = 0

    async def start(self) -> None:
        restored = restore(self.store, self.queue, self.nodes, self.config.role_limits)
        if self.config.admin_token_file and self.tokens.bootstrap(self.config.admin_token_file):
            log.warning("no tokens yet: wrote the first admin token to %s (readable by this user only)",
                        self.config.admin_token_file)
        expiry = self.config.s3.url_expiry_seconds
        sub = _grpc_server(self.config.submission_max_message_bytes,
                           TokenInterceptor(Port.SUBMISSION, self.tokens.authenticate, self.store.append_audit),
                           CallBound(self.config.submission_max_workers))
        sub_grpc.add_SubmissionServiceServicer_to_server(SubmissionService(self.submission, expiry), sub)
        ex = _grpc_server(self.config.execution_max_message_bytes,
                          TokenInterceptor(Port.EXECUTION, self.tokens.authenticate, self.store.append_audit),
                          CallBound(self.config.execution_max_workers))
        ex_grpc.add_ExecutionServiceServicer_to_server(ExecutionService(self.execution, expiry), ex)
        tok_grpc.add_TokenServiceServicer_to_server(TokenService(self.tokens), sub)
        for server, services in ((sub, (SUBMISSION, TOKENS)), (ex, (EXECUTION,))):
            self._health.append(_add_health_and_reflection(server, services))
        self.submission_port = self._listen(sub, self.config.port_for_submission, None)
        self.execution_port = self._listen(ex, self.config.port_for_execution, self.config.tls_client_ca)
        for server in (sub, ex):
            await server.start()
        self._servers = [sub, ex]
        for checker, service in zip(self._health, (SUBMISSION, EXECUTION)):
            for name in ("", service):
                await checker.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("scheduler up: submission on %s:%d, execution on %s:%d, %d unfinished jobs restored",
                 self.config.host, self.submission_port, self.config.host, self.execution_port, restored)

    def _listen(self, server: grpc.aio.Server, port: int, client_ca: Path | None) -> int:
        """Plaintext, or TLS; with `client_ca`, callers must present a certificate it signed."""
        address = f"{self.config.host}:{port}"
        c = self.config
        if c.tls_cert is None or c.tls_key is None:
            return server.add_insecure_port(address)
        credentials = grpc.ssl_server_credentials(
            [(c.tls_key.read_bytes(), c.tls_cert.read_bytes())],
            root_certificates=client_ca.read_bytes() if client_ca else None,
            require_client_auth=client_ca is not None)
        return server.add_secure_port(address, credentials)

    async def stop(self, grace: float | None = None) -> None:
        """Stop taking calls, let calls in flight finish within the grace period, close the store."""
        grace = self.config.shutdown_grace_s if grace is None else grace
        for checker in self._health:
            await checker.enter_graceful_shutdown()
        for server in self._servers:
            await server.stop(grace)
        self._servers = []
        self.store.close()
        log.info("scheduler stopped")

    async def wait(self) -> None:
        for server in self._servers:
            await server.wait_for_termination()
