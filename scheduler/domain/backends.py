"""Backend status: whether each backend (an Abaqus version, or a node pool) is available,
unavailable or in maintenance, from a TOML document the operators edit. Pure.

    [backends."2024"]              # jobs that ask for Abaqus 2024, nodes offering only it
    status = "maintenance"
    description = "FlexNet upgrade, back at 14:00"

    [backends.osaka]               # the node pool: nodes labelled pool=osaka
    status = "unavailable"
    description = "cooling failure in the Osaka machine room"

A job needs the backend of the version it asks for and of the pool it asks for (an exact
`pool=NAME` label); a node belongs to the backend of its `pool` label. A job that needs a backend
that is not available waits, with that reason; a node whose pool is not available takes no work.
With `unified`, every job and node belongs to one backend, "default", and only its status counts.
A backend the document does not name is available.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from abaqueue import toml

POOL_LABEL = "pool"
DEFAULT = "default"


class Status(str, enum.Enum):
    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"
    MAINTENANCE = "maintenance"


@dataclass(frozen=True)
class Backend:
    name: str
    status: Status
    description: str = ""

    def sentence(self) -> str:
        what = f"backend {self.name}"
        text = f"{what} is in maintenance" if self.status is Status.MAINTENANCE else f"{what} is unavailable"
        return f"{text}: {self.description}" if self.description else text


@dataclass(frozen=True)
class BackendStatus:
    backends: Mapping[str, Backend] = field(default_factory=dict)
    unified: bool = False

    @classmethod
    def parse(cls, text: str, unified: bool = False) -> BackendStatus:
        """The document; ValueError naming what is wrong (the caller keeps the status it had)."""
        try:
            doc = toml.loads(text)
        except toml.TOMLDecodeError as e:
            raise ValueError(f"not TOML: {e}") from None
        unknown = set(doc) - {"backends"}
        if unknown:
            raise ValueError(f"unknown key {', '.join(sorted(unknown))}: only [backends.NAME] tables")
        tables = doc.get("backends", {})
        if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
            raise ValueError("[backends.NAME] tables expected")
        found = {}
        for name, table in tables.items():
            extra = set(table) - {"status", "description"}
            if extra:
                raise ValueError(f"backends.{name}: unknown key {', '.join(sorted(extra))} (status, description)")
            try:
                status = Status(str(table.get("status", "")).lower())
            except ValueError:
                raise ValueError(f"backends.{name}.status: {table.get('status')!r} is not available, unavailable "
                                 "or maintenance") from None
            found[str(name)] = Backend(str(name), status, str(table.get("description", ""))[:500])
        return cls(found, unified)

    def _held(self, names: list[str]) -> Backend | None:
        for name in [DEFAULT] if self.unified else names:
            backend = self.backends.get(name)
            if backend is not None and backend.status is not Status.AVAILABLE:
                return backend
        return None

    def holding_job(self, version: str, labels: tuple[tuple[str, str], ...]) -> Backend | None:
        """The backend, not available, that a job of this version and these required labels needs."""
        pools = [glob for key, glob in labels if key == POOL_LABEL and not any(c in glob for c in "*?[")]
        return self._held([*([version] if version else []), *pools])

    def holding_node(self, labels: Mapping[str, str], versions: tuple[str, ...] = ()) -> Backend | None:
        """Why the node takes no work: its pool is not available, or none of its Abaqus versions is."""
        pool = self._held([labels[POOL_LABEL]] if POOL_LABEL in labels else [])
        if pool is not None or self.unified:
            return pool
        held = [self._held([v]) for v in versions]
        return held[0] if held and all(held) else None
