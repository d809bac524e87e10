"""The agent's own Prometheus metrics, served when its configuration names a `metrics_port`:
solver runs by outcome, bytes moved and transfer rates by direction, heartbeat failures."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from abaqueue.metrics_http import MetricsEndpoint

# Bytes per second of one file: from a slow VPN to a 10 GbE link.
RATE_BUCKETS = (1e5, 1e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 2.5e8, 5e8, 1e9, 2.5e9)


class AgentMetrics(MetricsEndpoint):
    def __init__(self) -> None:
        super().__init__()
        r = self.registry
        self.solver_runs = Counter("abaqueue_agent_solver_runs", "Attempts this agent ended, by outcome",
                                   ["outcome"], registry=r)
        self.transfer_bytes = Counter("abaqueue_agent_transfer_bytes", "Bytes moved to or from the blob store",
                                      ["direction"], registry=r)
        self.transfer_rate = Histogram("abaqueue_agent_transfer_rate_bytes_per_second",
                                       "Rate of one file's transfer", ["direction"], buckets=RATE_BUCKETS,
                                       registry=r)
        self.heartbeat_failures = Counter("abaqueue_agent_heartbeat_failures",
                                          "Heartbeats the scheduler did not answer", registry=r)

    def moved(self, direction: str, nbytes: int, seconds: float) -> None:
        self.transfer_bytes.labels(direction).inc(nbytes)
        if seconds > 0 and nbytes:
            self.transfer_rate.labels(direction).observe(nbytes / seconds)
