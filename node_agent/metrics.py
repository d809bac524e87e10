"""The agent's own Prometheus metrics, served when its configuration names a `metrics_port`:
solver runs by outcome, bytes moved and transfer rates by direction, heartbeat failures."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

# Bytes per second of one file: from a slow VPN to a 10 GbE link.
RATE_BUCKETS = (1e5, 1e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 2.5e8, 5e8, 1e9, 2.5e9)


class AgentMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.solver_runs = Counter("abaqueue_agent_solver_runs", "Attempts this agent ended, by outcome",
                                   ["outcome"], registry=r)
        self.transfer_bytes = Counter("abaqueue_agent_transfer_bytes", "Bytes moved to or from the blob store",
                                      ["direction"], registry=r)
        self.transfer_rate = Histogram("abaqueue_agent_transfer_rate_bytes_per_second",
                                       "Rate of one file's transfer", ["direction"], buckets=RATE_BUCKETS,
                                       registry=r)
        self.heartbeat_failures = Counter("abaqueue_agent_heartbeat_failures",
                                          "Heartbeats the scheduler did not answer", registry=r)
        self._server = None

    def moved(self, direction: str, nbytes: int, seconds: float) -> None:
        self.transfer_bytes.labels(direction).inc(nbytes)
        if seconds > 0 and nbytes:
            self.transfer_rate.labels(direction).observe(nbytes / seconds)

    def serve(self, host: str, port: int) -> int:
        self._server, _ = start_http_server(port, addr=host, registry=self.registry)
        return self._server.server_address[1]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
