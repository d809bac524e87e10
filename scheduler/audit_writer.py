"""Audit entries written in groups: every call answered in one turn of the event loop goes into the
store in one write at the end of that turn, instead of one write (one commit) per call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .domain.audit import AuditEntry

log = logging.getLogger(__name__)


class AuditWriter:
    def __init__(self, write: Callable[..., None]) -> None:
        self.write = write  # takes the entries: AuditLog.append_audit
        self._pending: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        self._pending.append(entry)
        if len(self._pending) > 1:
            return  # a write is due at the end of this turn already
        try:
            asyncio.get_running_loop().call_soon(self.flush)
        except RuntimeError:  # no event loop here: at once
            self.flush()

    def flush(self) -> None:
        entries, self._pending = self._pending, []
        if not entries:
            return
        try:
            self.write(*entries)
        except Exception:  # the audit store failing must not turn answers into errors
            log.exception("could not store %d audit entries", len(entries))
