"""Every error the gRPC services answer with has its HTTP status on the dashboard."""

from __future__ import annotations

import grpc

from scheduler.domain.errors import InvalidArgument, NotFound, PermissionDenied
from scheduler.grpc_errors import CODES, code_for, error_for
from scheduler.web.errors import HTTP_STATUS


def test_every_classified_error_has_an_http_status():
    assert {code for _, code in CODES} <= HTTP_STATUS.keys()
    statuses = [HTTP_STATUS[code_for(e)] for e in (InvalidArgument("f", "m"), NotFound("m"), PermissionDenied("m"))]
    assert statuses == [400, 404, 403]


def test_another_services_refusal_is_the_same_error_here_and_its_failure_none():
    S = grpc.StatusCode
    refused = error_for(S.INVALID_ARGUMENT, "user: must be 1 to 64 characters")
    assert isinstance(refused, InvalidArgument) and refused.field == "user" and str(refused).startswith("user: must")
    assert isinstance(error_for(S.PERMISSION_DENIED, "admins only"), PermissionDenied)
    assert isinstance(error_for(S.UNAUTHENTICATED, "unknown token"), PermissionDenied)
    assert isinstance(error_for(S.NOT_FOUND, "no token ab12"), NotFound)
    assert [code_for(error_for(c, "m")) for c in (S.FAILED_PRECONDITION, S.ABORTED)] == [S.FAILED_PRECONDITION,
                                                                                         S.ABORTED]
    assert [error_for(code, "m") for code in (S.UNAVAILABLE, S.DEADLINE_EXCEEDED, S.INTERNAL, S.UNKNOWN,
                                              S.DATA_LOSS)] == [None] * 5
