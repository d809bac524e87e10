"""The version of the conversation between agents and the scheduler. An agent sends its own when it
registers; the scheduler refuses one older than it takes, telling the operator to update it.

A release that changes what agents must do raises PROTOCOL_VERSION; one that stops taking older
agents raises MIN_AGENT_PROTOCOL, and its notes say so: update the agents to that release first,
then the scheduler. An agent from before versions were sent says 0 and speaks protocol 1."""

from __future__ import annotations

from importlib import metadata

PROTOCOL_VERSION = 3  # 2: agents send their protocol and release, and their own log lines; 3: inline inputs
INLINE_INPUTS = 3  # from this protocol on agents write the inputs an assignment carries inline
MAX_INLINE_BYTES = 64 * 1024  # the content of one job's inline inputs (CreateJob), all together
MIN_AGENT_PROTOCOL = 1  # the oldest protocol this scheduler takes
UNSTATED = 1  # what an agent that sends no version speaks


def package_version() -> str:
    try:
        return metadata.version("abaqueue")
    except metadata.PackageNotFoundError:
        return "unknown"
