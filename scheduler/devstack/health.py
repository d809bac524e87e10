"""Waiting for a gRPC server to report SERVING through the standard health service."""

from __future__ import annotations

import subprocess
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def wait_serving(port: int, process: subprocess.Popen | None = None, what: str = "server",
                 timeout: float = 30.0) -> None:
    """Return once 127.0.0.1:`port` answers SERVING; raise if `process` exits or time runs out."""
    deadline = time.monotonic() + timeout
    # Reconnect at once: by default a channel that found nothing listening waits a second (and
    # more) before it tries again, which would be counted as start-up time.
    fast = [("grpc.initial_reconnect_backoff_ms", 50), ("grpc.min_reconnect_backoff_ms", 50),
            ("grpc.max_reconnect_backoff_ms", 100)]
    with grpc.insecure_channel(f"127.0.0.1:{port}", options=fast) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{what} exited with {process.returncode}")
            try:
                answer = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"{what} not serving on port {port} after {timeout} s")
