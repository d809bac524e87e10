"""The scheduler's Prometheus metrics, in a registry of its own (one per server, so tests can run
several), served on their own port when one is set."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, start_http_server

# From a second to a working day: a slot is waited for behind other jobs' multi-GB files.
SLOT_BUCKETS = (0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 28800)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.slot_wait = Histogram("abaqueue_transfer_slot_wait_seconds",
                                   "Time a transfer waited for its node's slot", ["node"],
                                   buckets=SLOT_BUCKETS, registry=self.registry)
        self.slot_hold = Histogram("abaqueue_transfer_slot_hold_seconds",
                                   "Time a transfer held its slot (released, or lapsed)", ["node"],
                                   buckets=SLOT_BUCKETS, registry=self.registry)

        self._server = None

    def serve(self, host: str, port: int) -> int:
        """Serve /metrics on `host`:`port` (0: a free one) in a thread of its own; the port."""
        self._server, _ = start_http_server(port, addr=host, registry=self.registry)
        return self._server.server_address[1]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
