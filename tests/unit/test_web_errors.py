"""Every error the gRPC services answer with has its HTTP status on the dashboard."""

from __future__ import annotations

from scheduler.grpc_errors import CODES
from scheduler.web.errors import HTTP_STATUS


def test_every_classified_error_has_an_http_status():
    assert {code for _, code in CODES} <= HTTP_STATUS.keys()
    assert HTTP_STATUS[dict(CODES)[next(c for c, _ in CODES if c.__name__ == "InvalidArgument")]] == 400
