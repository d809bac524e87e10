"""What the audit log keeps: every admin action and every refused call, one entry each."""

from __future__ import annotations

from dataclasses import dataclass

# Calls that change who may do what: recorded whatever their outcome.
ADMIN_METHODS = frozenset({
    "/abaqueue.v1.TokenService/CreateToken",
    "/abaqueue.v1.TokenService/DeleteToken",
    "/abaqueue.v1.TokenService/RenewToken",
})
# Outcomes that mean the caller was refused (rather than the job or the system being in the way).
REFUSED_CODES = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "INVALID_ARGUMENT"})
MAX_DETAIL = 500


@dataclass(frozen=True)
class AuditEntry:
    time: float
    user: str  # empty when no valid token was given
    role: str
    port: str
    method: str
    code: str  # the gRPC status name, OK included
    detail: str = ""

    def __post_init__(self) -> None:
        if len(self.detail) > MAX_DETAIL:
            object.__setattr__(self, "detail", self.detail[:MAX_DETAIL] + "…")


def worth_recording(method: str, code: str) -> bool:
    return method in ADMIN_METHODS or code in REFUSED_CODES
