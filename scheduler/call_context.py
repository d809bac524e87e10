"""What a call is about, for its log lines: the job and attempt its request names, and the node
that makes it (an agent's token) or that it names."""

from __future__ import annotations

from .domain.identity import Principal, Role


def ids_of(request: object, who: Principal) -> dict[str, object]:
    """`job`, `attempt` and `node` as far as the request and the caller tell them."""
    ids: dict[str, object] = {}
    attempt = getattr(request, "job_attempt", None)
    if attempt is not None and getattr(attempt, "job_id", ""):
        ids["job"], ids["attempt"] = attempt.job_id, attempt.attempt
    elif getattr(request, "job_id", ""):
        ids["job"] = request.job_id
    node = who.user if who.role is Role.NODE else getattr(request, "node_name", "")
    if node:
        ids["node"] = node
    return ids
