"""Channel credentials from PEM files, shared by the client library and the agent."""

from __future__ import annotations

from pathlib import Path

import grpc


def channel_credentials(ca_file: Path, cert_file: Path | None = None,
                        key_file: Path | None = None) -> grpc.ChannelCredentials:
    """Trust the scheduler's certificate as signed by `ca_file`; present `cert_file` (with
    `key_file`) when the scheduler asks for mutual TLS."""
    if (cert_file is None) != (key_file is None):
        raise ValueError("a client certificate needs its key, and a key its certificate")
    return grpc.ssl_channel_credentials(
        root_certificates=Path(ca_file).read_bytes(),
        private_key=Path(key_file).read_bytes() if key_file else None,
        certificate_chain=Path(cert_file).read_bytes() if cert_file else None,
    )
