"""A Prometheus registry served at /metrics on a port of its own, in a thread (scheduler and agent)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, start_http_server


class MetricsEndpoint:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._server = None

    def serve(self, host: str, port: int) -> int:
        """Serve /metrics on `host`:`port` (0: a free one); the port."""
        self._server, _ = start_http_server(port, addr=host, registry=self.registry)
        return self._server.server_address[1]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
