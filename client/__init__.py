"""Client library and command line for Abaqueue: submit, follow and collect Abaqus jobs."""

from __future__ import annotations

from .api import Client
from .errors import (
    AbaqueueError,
    Aborted,
    AlreadyExists,
    ChecksumMismatch,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    TransferFailed,
    Unauthenticated,
    Unavailable,
)
from .models import (
    ErrorClass,
    FileInfo,
    Job,
    JobState,
    Progress,
    Role,
    SolverOptions,
    StateChange,
    TokenInfo,
    WaitReason,
)

__all__ = [
    "AbaqueueError", "Aborted", "AlreadyExists", "ChecksumMismatch", "Client", "ErrorClass",
    "FailedPrecondition", "FileInfo", "InvalidArgument", "Job", "JobState", "NotFound",
    "PermissionDenied", "Progress", "ResourceExhausted", "Role", "SolverOptions", "StateChange", "TokenInfo",
    "TransferFailed", "Unauthenticated", "Unavailable", "WaitReason",
]
