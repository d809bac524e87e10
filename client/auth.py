"""The bearer token every call carries: where it comes from and how it is attached."""

from __future__ import annotations

import collections
import os
from pathlib import Path

import grpc

from .errors import AbaqueueError


def token_from(token_file: Path | None = None) -> str | None:
    """`token_file` if given, else $ABAQUEUE_TOKEN, else the file named by $ABAQUEUE_TOKEN_FILE."""
    path = token_file
    if path is None:
        if os.environ.get("ABAQUEUE_TOKEN"):
            return os.environ["ABAQUEUE_TOKEN"].strip()
        if os.environ.get("ABAQUEUE_TOKEN_FILE"):
            path = Path(os.environ["ABAQUEUE_TOKEN_FILE"])
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeError) as e:
        raise AbaqueueError(f"cannot read the token file {path}: {e}") from e


class _CallDetails(collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")),
        grpc.ClientCallDetails):
    pass


class BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call on a channel."""

    def __init__(self, token: str) -> None:
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        return _CallDetails(details.method, details.timeout, [*(details.metadata or ()), self._header],
                            details.credentials, details.wait_for_ready, details.compression)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._with_token(details), request)
