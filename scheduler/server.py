"""The scheduler process: the store, the indexes rebuilt from it, and two gRPC ports.

Both ports serve gRPC health checking and server reflection, so `grpcurl` works without .proto files;
every other call needs a bearer token valid on its port.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import grpc
from grpc_health.v1 import health

from abaqueue.tls import channel_credentials
from abaqueue.v1 import admin_service_pb2_grpc as admin_grpc
from abaqueue.v1 import execution_service_pb2, submission_service_pb2
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc
from abaqueue.v1 import token_service_pb2_grpc as tok_grpc

from .admin import AdminApp
from .admin_service import ADMIN, AdminService
from .audit_writer import AuditWriter
from .auth import Authenticate, TokenInterceptor
from .aws import open_dynamo_store
from .backend_status import BackendWatch
from .blobs import S3Blobs
from .call_bound import CallBound
from .config import SchedulerConfig
from .dispatch import JobQueue
from .domain.backends import BackendStatus
from .domain.identity import Port
from .domain.limits import RateLimiter
from .domain.queue_settings import QueueSettings
from .events import EventJournal
from .execution import ExecutionApp
from .execution_service import ExecutionService
from .grpc_server import TlsFiles, add_health_and_reflection, listen, new_server, set_serving
from .jobs import JobBook
from .metrics import CallMetrics, Metrics
from .nodes import NodeRegistry
from .remote_tokens import ForwardedTokenService, RemoteTokens
from .store import JobStore, SqliteStore
from .submission import SubmissionApp
from .submission_service import SubmissionService
from .token_service import TOKENS, TokenService
from .tokens import TokenBook, read_secret
from .transfer_slots import TransferSlots
from .usage_history import UsageHistory, UsageSample
from .web.site import Dashboard
from .web.token_admin import DatabaseTokens, StoreTokens, TokenAdmin
from .webhooks import Webhooks

log = logging.getLogger(__name__)

SUBMISSION = submission_service_pb2.DESCRIPTOR.services_by_name["SubmissionService"].full_name
EXECUTION = execution_service_pb2.DESCRIPTOR.services_by_name["ExecutionService"].full_name


def open_store(config: SchedulerConfig) -> JobStore:
    if config.job_table:
        return open_dynamo_store(config.aws, config.job_table, create=config.create_job_table)
    return SqliteStore(config.database)


def restore(store: JobStore, queue: JobQueue, nodes: NodeRegistry) -> int:
    """Rebuild the in-memory indexes from the store, the source of truth."""
    briefs = store.unfinished()
    for brief in briefs:
        if brief.state.is_active:
            nodes.hold(brief.node, brief.id, brief.cpus)
    queue.restore(briefs)
    return len(briefs)


class SchedulerServer:
    def __init__(
        self, config: SchedulerConfig, *, store: JobStore | None = None, blobs: S3Blobs | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.store = store or open_store(config)
        self.blobs = blobs or S3Blobs(config.s3)
        self.nodes = NodeRegistry(config.heartbeat_interval_s + config.node_silent_grace_s)
        self.metrics = Metrics()
        self.queue = JobQueue(QueueSettings(), config.role_limits, self.nodes, clock,
                              on_decision=self.metrics.decision.observe)
        self.clock = clock
        self.tokens = TokenBook(self.store, clock=clock)
        book = JobBook(self.store, EventJournal(clock), clock)
        book.on_write.append(lambda before, after: self.metrics.job_written(before, after, self.queue.changed.fired_at))
        self.submission = SubmissionApp(book, self.blobs, self.queue, config.role_limits,
                                        RateLimiter(config.submit_rate_per_s, config.submit_burst),
                                        self.nodes.largest, config.max_queue_bytes)
        self.admin = AdminApp(book, self.queue, self.nodes, self.blobs)
        self.backends = BackendWatch(file=config.backend_status_file, parameter_name=config.backend_status_parameter,
                                     aws=config.aws, unified=config.unify_backends, apply=self._take_backends,
                                     clock=clock)
        self.submission.backends = self.backends
        self.webhooks: Webhooks | None = None
        if config.webhook_secret_file is not None:
            self.webhooks = Webhooks(read_secret(config.webhook_secret_file).encode(), clock)
            book.on_write.append(self.webhooks.job_written)
        self.submission.webhooks = self.webhooks
        self.slots = TransferSlots(
            config.transfer_slots_per_node, config.transfer_slots_total, config.transfer_slot_lease_s, time.monotonic,
            on_wait=lambda node, s: self.metrics.slot_wait.labels(node).observe(s),
            on_hold=lambda node, s: self.metrics.slot_hold.labels(node).observe(s))
        self.metrics_port = 0
        self.audit = AuditWriter(self.store.append_audit)
        self.execution = ExecutionApp(book, self.blobs, self.queue, self.nodes, self.slots, config)
        self._background: list[asyncio.Task] = []
        self._servers: list[grpc.aio.Server] = []
        self._health: list[health.aio.HealthServicer] = []
        self.submission_port = 0
        self.execution_port = 0
        self.web_port = 0
        self.usage = UsageHistory(self._usage_now, every_s=config.usage_sample_s)
        self._dashboard: Dashboard | None = None
        self._token_channel: grpc.aio.Channel | None = None

    def _take_backends(self, status: BackendStatus) -> None:
        self.queue.policy.backends = status
        self.queue.wake()  # jobs a backend held may start now, and idle agents look

    async def start(self) -> None:
        self.admin.load()
        if self.webhooks is not None:
            self.submission.load_webhooks()
            self.webhooks.start()
        if self.backends.source:
            self.backends.refresh()
        elif self.config.unify_backends:
            self._take_backends(self.backends.status)
        restored = restore(self.store, self.queue, self.nodes)
        authenticate, token_service, web_tokens = self._token_source()
        expiry = self.config.s3.url_expiry_seconds
        sub = new_server(self.config.submission_max_message_bytes, CallMetrics(self.metrics),
                         TokenInterceptor(Port.SUBMISSION, authenticate, self.audit.record),
                         CallBound(self.config.submission_max_workers))
        sub_grpc.add_SubmissionServiceServicer_to_server(SubmissionService(self.submission, expiry), sub)
        tok_grpc.add_TokenServiceServicer_to_server(token_service, sub)
        admin_grpc.add_AdminServiceServicer_to_server(AdminService(self.admin, self.slots), sub)
        ex = new_server(self.config.execution_max_message_bytes, CallMetrics(self.metrics),
                        TokenInterceptor(Port.EXECUTION, authenticate, self.audit.record),
                        CallBound(self.config.execution_max_workers))
        ex_grpc.add_ExecutionServiceServicer_to_server(ExecutionService(self.execution, expiry), ex)
        for server, services in ((sub, (SUBMISSION, TOKENS, ADMIN)), (ex, (EXECUTION,))):
            self._health.append(add_health_and_reflection(server, services))
        c = self.config
        tls = TlsFiles(c.tls_cert, c.tls_key) if c.tls_cert and c.tls_key else None
        self.submission_port = listen(sub, f"{c.host}:{c.port_for_submission}", tls)
        self.execution_port = listen(ex, f"{c.host}:{c.port_for_execution}",
                                     tls and TlsFiles(tls.cert, tls.key, c.tls_client_ca))
        for server in (sub, ex):
            await server.start()
        self._servers = [sub, ex]
        if c.web_port is not None:
            self._dashboard = Dashboard(self.submission, self.admin, self.slots, self.usage, web_tokens,
                                        authenticate, self.clock, self.audit.record)
            self.web_port = await self._dashboard.start(c.web_host, c.web_port)
            log.info("dashboard on http://%s:%d/", c.web_host, self.web_port)
        for checker, service in zip(self._health, (SUBMISSION, EXECUTION)):
            await set_serving(checker, service)
        self._background = [asyncio.create_task(self._expire_slots()), asyncio.create_task(self._watch_nodes()),
                            asyncio.create_task(self._wake_retries())]
        if self.backends.source:
            self._background.append(asyncio.create_task(
                self.backends.keep_reading(self.config.backend_status_interval_s)))
        if self._dashboard is not None:
            self._background.append(asyncio.create_task(self._keep_usage()))
        if self.config.retention_days > 0:
            self._background.append(asyncio.create_task(self._retain()))
        if c.metrics_port is not None:
            self._sample_metrics(self.store.count_unfinished())
            self._background.append(asyncio.create_task(self._keep_sampling()))
            self.metrics_port = self.metrics.serve(c.metrics_host, c.metrics_port)
            log.info("metrics on http://%s:%d/metrics", c.metrics_host, self.metrics_port)
        log.info("scheduler up: submission on %s:%d, execution on %s:%d, %d unfinished jobs restored",
                 c.host, self.submission_port, c.host, self.execution_port, restored)

    def _token_source(self) -> tuple[Authenticate, tok_grpc.TokenServiceServicer, TokenAdmin]:
        """This store's tokens (bootstrapped with a first admin token), or a token database elsewhere:
        how callers are authenticated, the TokenService, and the dashboard's token management."""
        remote = self.config.token_database
        if remote is None:
            if self.config.admin_token_file:
                self.tokens.bootstrap(self.config.admin_token_file)
            return self.tokens.authenticate, TokenService(self.tokens), StoreTokens(self.tokens)
        self._token_channel = (grpc.aio.secure_channel(remote.address, channel_credentials(remote.ca_file))
                               if remote.ca_file else grpc.aio.insecure_channel(remote.address))
        tokens = RemoteTokens(self._token_channel, read_secret(remote.token_file), address=remote.address,
                              cache_s=remote.cache_s, clock=self.clock)
        log.info("tokens come from the token database at %s", remote.address)
        return tokens.authenticate, ForwardedTokenService(tokens), DatabaseTokens(tokens)

    async def _expire_slots(self) -> None:
        """Slots whose holder went silent go to the next in line, even when nobody else asks."""
        every = min(max(self.slots.lease_s / 4, 0.2), 5.0)
        while True:
            await asyncio.sleep(every)
            for slot_id in self.slots.expire():
                log.warning("transfer slot %s lapsed: its node stopped renewing it", slot_id)

    async def _watch_nodes(self) -> None:
        """Lost nodes' jobs are requeued (or failed) twice a heartbeat interval."""
        while True:
            await asyncio.sleep(self.config.heartbeat_interval_s / 2)
            for job in self.execution.sweep_lost(self.clock()):
                log.warning("job %s: %s; now %s", job.id, job.error_message, job.state.value)

    def _sample_metrics(self, counts: dict) -> None:
        """The gauges, from the store's counts of unfinished jobs and the in-memory state."""
        by_state: dict[str, int] = {}
        for (state, _), n in counts.items():
            by_state[state.value] = by_state.get(state.value, 0) + n
        now = self.clock()
        nodes: dict[str, int] = {}
        for node in self.nodes:
            state = self.nodes.state(node, now)
            nodes[state] = nodes.get(state, 0) + 1
        use = self._usage_now()
        self.metrics.sample(by_state, use.waiting, nodes, (use.cores_in_use, use.cores_total),
                            (use.tokens_in_use, use.tokens_total))

    def _usage_now(self) -> UsageSample:
        """What the cluster uses now (no store read): the gauges' and the dashboard's chart's."""
        now, policy = self.clock(), self.queue.policy
        views = self.nodes.views(now)
        return UsageSample(now, sum(v.cpus - v.free_cpus for v in views), sum(v.cpus for v in views),
                           policy.usage.tokens, policy.token_total(), len(self.queue), sum(v.running for v in views))

    async def _keep_usage(self) -> None:
        while True:
            self.usage.sample()
            await asyncio.sleep(self.usage.every_s)

    async def _keep_sampling(self) -> None:
        while True:
            await asyncio.sleep(self.config.metrics_sample_s)
            try:  # counting reads the store (every shard of DynamoDB): off the event loop
                self._sample_metrics(await asyncio.to_thread(self.store.count_unfinished))
            except Exception as e:  # noqa: BLE001 - the gauges go on with the next sample
                log.warning("metrics: gauges not sampled: %s", e)

    async def _retain(self) -> None:
        """Jobs past the retention go, with their files; a failure is retried at the next check."""
        keep_s = self.config.retention_days * 86400
        while True:
            try:
                deleted = await self.admin.remove_ended_before(self.clock() - keep_s)
                if deleted:
                    log.info("retention: deleted %d jobs that ended more than %g days ago, with their files",
                             deleted, self.config.retention_days)
            except Exception as e:  # noqa: BLE001 - the store or S3 failing must not stop the scheduler
                log.warning("retention: %s; trying again in %.0f s", e, self.config.retention_check_s)
            await asyncio.sleep(self.config.retention_check_s)

    async def _wake_retries(self) -> None:
        """Requeued jobs join the queue when their backoff is over (and wake idle agents)."""
        while True:
            due = self.queue.next_due()
            await asyncio.sleep(1.0 if due is None else min(max(due - self.clock(), 0.01), 1.0))
            self.queue.wake_due(self.clock())

    async def stop(self, grace: float | None = None) -> None:
        """Stop taking calls, let calls in flight finish within the grace period, close the store."""
        grace = self.config.shutdown_grace_s if grace is None else grace
        for task in self._background:
            task.cancel()
        self._background = []
        self.metrics.close()
        if self.webhooks is not None:
            await self.webhooks.stop()
        if self._dashboard is not None:
            await self._dashboard.stop()
            self._dashboard = None
        for checker in self._health:
            await checker.enter_graceful_shutdown()
        for server in self._servers:
            await server.stop(grace)
        self._servers = []
        self.audit.flush()
        if self._token_channel is not None:
            await self._token_channel.close()
        await self.blobs.close()
        self.store.close()
        log.info("scheduler stopped")

    async def wait(self) -> None:
        for server in self._servers:
            await server.wait_for_termination()
