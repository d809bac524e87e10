"""The scheduler's Prometheus metrics, in a registry of its own (one per server, so tests can run
several), served on their own port when one is set.

Counters and histograms are fed as things happen (a job write, an RPC, a slot); the gauges (jobs
by state, queue depth, nodes by state, cores and tokens) are sampled on the event loop, where the
state they read lives, and read by the HTTP thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc
from prometheus_client import Counter, Gauge, Histogram

from abaqueue.metrics_http import MetricsEndpoint

from .domain.job import Job, JobState
from .grpc_errors import status_of
from .handler_wrap import PerMethod, wrap_around

# From a second to a working day: a slot is waited for behind other jobs' multi-GB files.
SLOT_BUCKETS = (0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 28800)
# A queue wait: from no time at all to days behind other people's analyses.
WAIT_BUCKETS = (0.1, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200)
DISPATCH_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# A dispatch decision: the policy's choice for one node, tens of microseconds to a millisecond.
DECISION_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.01, 0.05)
RPC_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60)
NODE_STATES = ("ready", "busy", "draining", "lost")


class Metrics(MetricsEndpoint):
    def __init__(self) -> None:
        super().__init__()
        r = self.registry
        self.slot_wait = Histogram("abaqueue_transfer_slot_wait_seconds",
                                   "Time a transfer waited for its node's slot", ["node"],
                                   buckets=SLOT_BUCKETS, registry=r)
        self.slot_hold = Histogram("abaqueue_transfer_slot_hold_seconds",
                                   "Time a transfer held its slot (released, or lapsed)", ["node"],
                                   buckets=SLOT_BUCKETS, registry=r)
        self.wait = Histogram("abaqueue_job_wait_seconds",
                              "Time an attempt waited in the queue before it started (a retry: from its requeueing)",
                              buckets=WAIT_BUCKETS, registry=r)
        self.dispatch = Histogram("abaqueue_dispatch_latency_seconds",
                                  "From the latest change of the queue (a submission, a job ending, a node "
                                  "calling) to an assignment it led to",
                                  buckets=DISPATCH_BUCKETS, registry=r)
        self.decision = Histogram("abaqueue_dispatch_decision_seconds",
                                  "Time the scheduling policy took to choose a job (or none) for a node that asked",
                                  buckets=DECISION_BUCKETS, registry=r)
        self.rpc_seconds = Histogram("abaqueue_rpc_duration_seconds", "Time to answer a call (a stream: its life)",
                                     ["method"], buckets=RPC_BUCKETS, registry=r)
        self.rpcs = Counter("abaqueue_rpcs", "Calls answered, by method and status code", ["method", "code"],
                            registry=r)
        self.retries = Counter("abaqueue_retries", "Attempts that failed and were queued again, by cause",
                               ["cause"], registry=r)
        self.finished = Counter("abaqueue_jobs_finished", "Jobs that reached a final state, by state", ["state"],
                                registry=r)
        self.jobs = Gauge("abaqueue_jobs", "Unfinished jobs by state", ["state"], registry=r)
        self.queue_depth = Gauge("abaqueue_queue_depth", "Jobs waiting in the queue", registry=r)
        self.nodes = Gauge("abaqueue_nodes", "Registered nodes by state", ["state"], registry=r)
        self.cores = Gauge("abaqueue_cores", "CPU cores of the nodes heard from lately", ["kind"], registry=r)
        self.tokens = Gauge("abaqueue_license_tokens", "Abaqus license tokens (total 0: not counted)", ["kind"],
                            registry=r)

    def job_written(self, before: Job | None, after: Job, last_change: float) -> None:
        """Count what a stored write of a job means: a start, a retry, an end."""
        if before is None or before.state is after.state:
            return
        if after.state is JobState.STARTING and after.start_time is not None:
            # this attempt's wait: from its (re)queueing, not from the job's place in line
            queued = max(after.queue_time or 0.0, after.retry_at or 0.0,
                         after.history[-1].end_time if after.history else 0.0)
            if queued:
                self.wait.observe(max(after.start_time - queued, 0.0))
            self.dispatch.observe(max(after.start_time - max(last_change, queued), 0.0))
        elif after.state is JobState.WAITING and before.state.is_active and after.history:
            self.retries.labels(after.history[-1].cause).inc()
        elif after.state.is_final:
            self.finished.labels(after.state.value).inc()

    def sample(self, by_state: dict[str, int], queue_depth: int, nodes: dict[str, int], cores: tuple[int, int],
               tokens: tuple[int, int]) -> None:
        for state in JobState:
            if not state.is_final:
                self.jobs.labels(state.value).set(by_state.get(state.value, 0))
        self.queue_depth.set(queue_depth)
        for state in NODE_STATES:
            self.nodes.labels(state).set(nodes.get(state, 0))
        for gauge, (in_use, total) in ((self.cores, cores), (self.tokens, tokens)):
            gauge.labels("in_use").set(in_use)
            gauge.labels("total").set(total)


class CallMetrics(grpc.aio.ServerInterceptor):
    """Every call's duration and status code, by method (the outermost interceptor: it sees refusals too)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._wrapped = PerMethod(self._wrap)

    async def intercept_service(self, continuation, details: grpc.HandlerCallDetails):
        handler = await continuation(details)
        return None if handler is None else self._wrapped.get(details.method, handler)

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        metrics = self.metrics

        seconds, calls = metrics.rpc_seconds.labels(method), {}

        def record(context, start: float, failed: BaseException | None) -> None:
            seconds.observe(time.perf_counter() - start)
            code = status_of(context, failed).name
            counter = calls.get(code)
            if counter is None:
                counter = calls[code] = metrics.rpcs.labels(method, code)
            counter.inc()

        return wrap_around(handler, lambda request, context: _Timed(record, context))


class _Timed:
    """A call timed, and recorded with how it ended."""

    __slots__ = ("record", "context", "start")

    def __init__(self, record: Callable[[Any, float, BaseException | None], None], context) -> None:
        self.record, self.context = record, context

    async def __aenter__(self) -> None:
        self.start = time.perf_counter()

    async def __aexit__(self, kind, failed: BaseException | None, traceback) -> None:
        self.record(self.context, self.start, failed)
