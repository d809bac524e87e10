"""The scheduler's errors, classified once. Services map each class to one gRPC status code."""

from __future__ import annotations


class SchedulerError(Exception):
    """Root of every error the scheduler raises on purpose."""


class InvalidArgument(SchedulerError):
    """A request field is malformed. `field` names it, as the caller wrote it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class NotFound(SchedulerError):
    pass


class PermissionDenied(SchedulerError):
    """The caller is known but may not do this (to something it may see)."""


class ResourceExhausted(SchedulerError):
    """A limit of the caller's (size, rate) is reached; the message says which and when to retry."""


class FailedPrecondition(SchedulerError):
    """The request is well formed but the system is not in a state that allows it."""


class StaleAttempt(FailedPrecondition):
    """An agent named a (job, attempt) that is no longer current: the fencing token was refused."""


class IllegalTransition(FailedPrecondition):
    """A job was asked to move between two states the state machine does not connect."""


class DataLoss(SchedulerError):
    """What the blob store holds is not what the uploader said it sent."""


class Unavailable(SchedulerError):
    """Something the scheduler depends on (the token database) cannot answer now; retry later."""


class Conflict(SchedulerError):
    """A conditional update kept losing races; the caller may retry."""
