"""The client's errors, classified once: one root, one subclass per gRPC status code it expects."""

from __future__ import annotations

import grpc


class AbaqueueError(Exception):
    """Root of every error the client raises. `code` is the gRPC status, when the server sent one."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidArgument(AbaqueueError):
    """A request field was malformed; the message names it."""


class NotFound(AbaqueueError):
    """No such job, or no such result."""


class AlreadyExists(AbaqueueError):
    pass


class FailedPrecondition(AbaqueueError):
    """The request is well formed but the job's state does not allow it."""


class Aborted(AbaqueueError):
    """The scheduler lost a race on the job; the call may be retried."""


class PermissionDenied(AbaqueueError):
    pass


class Unauthenticated(AbaqueueError):
    pass


class ResourceExhausted(AbaqueueError):
    """A limit was reached (job size, submission rate); the message says which, and when to retry."""


class Unavailable(AbaqueueError):
    """The scheduler could not be reached or did not answer in time."""


class TransferFailed(AbaqueueError):
    """Moving file bytes to or from the blob store failed."""


class ChecksumMismatch(TransferFailed):
    """A file's size or SHA-256 differs from what was declared."""


_BY_CODE: dict[grpc.StatusCode, type[AbaqueueError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.OUT_OF_RANGE: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: Unavailable,
}


def from_rpc_error(error: grpc.RpcError) -> AbaqueueError:
    """The client error for a failed call, carrying the server's message."""
    if not isinstance(error, grpc.Call):
        return AbaqueueError(str(error))
    code, details = error.code(), error.details()
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        details = "the scheduler did not answer in time"
    message = details or code.name.lower().replace("_", " ")
    return _BY_CODE.get(code, AbaqueueError)(message, code)
