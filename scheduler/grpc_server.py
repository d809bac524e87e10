"""What every Abaqueue gRPC server shares: message limits, health checking and reflection, and
plaintext or TLS listening."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection


@dataclass(frozen=True)
class TlsFiles:
    """PEM files of a TLS port; with `client_ca`, callers must present a certificate it signed."""

    cert: Path
    key: Path
    client_ca: Path | None = None


def new_server(max_message_bytes: int, *interceptors: grpc.aio.ServerInterceptor) -> grpc.aio.Server:
    return grpc.aio.server(interceptors=list(interceptors), options=[
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.so_reuseport", 0),
    ])


def add_health_and_reflection(server: grpc.aio.Server, services: tuple[str, ...]) -> health.aio.HealthServicer:
    checker = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    reflection.enable_server_reflection([*services, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    return checker


async def set_serving(checker: health.aio.HealthServicer, service: str) -> None:
    for name in ("", service):
        await checker.set(name, health_pb2.HealthCheckResponse.SERVING)


def listen(server: grpc.aio.Server, address: str, tls: TlsFiles | None) -> int:
    """Bind `address` in plaintext, or with `tls`; return the port bound."""
    if tls is None:
        return server.add_insecure_port(address)
    credentials = grpc.ssl_server_credentials(
        [(tls.key.read_bytes(), tls.cert.read_bytes())],
        root_certificates=tls.client_ca.read_bytes() if tls.client_ca else None,
        require_client_auth=tls.client_ca is not None)
    return server.add_secure_port(address, credentials)
