"""Every error the gRPC services answer with has its HTTP status on the dashboard."""

from __future__ import annotations

from scheduler.domain.errors import InvalidArgument, NotFound, PermissionDenied
from scheduler.grpc_errors import CODES, code_for
from scheduler.web.errors import HTTP_STATUS


def test_every_classified_error_has_an_http_status():
    assert {code for _, code in CODES} <= HTTP_STATUS.keys()
    statuses = [HTTP_STATUS[code_for(e)] for e in (InvalidArgument("f", "m"), NotFound("m"), PermissionDenied("m"))]
    assert statuses == [400, 404, 403]
