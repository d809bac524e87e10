"""The version of the conversation between agents and the scheduler. An agent sends its own when it
registers; the scheduler refuses one older than it needs, telling the operator to update it."""

from __future__ import annotations

from importlib import metadata

PROTOCOL_VERSION = 2  # 2: agents send their protocol and version; results are stamped as they move
MIN_AGENT_PROTOCOL = 2


def package_version() -> str:
    try:
        return metadata.version("abaqueue")
    except metadata.PackageNotFoundError:
        return "unknown"
