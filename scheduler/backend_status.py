"""The backend status document, read from a file or an SSM parameter, and read again every so
often: a change is taken without a restart; a document that does not parse is reported and the
status in force is kept."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from .aws import AwsSettings, AwsSetupError, parameter
from .domain.backends import BackendStatus

log = logging.getLogger(__name__)


class BackendWatch:
    def __init__(self, *, file: Path | None = None, parameter_name: str | None = None,
                 aws: AwsSettings | None = None, unified: bool = False,
                 apply: Callable[[BackendStatus], None] = lambda status: None,
                 clock: Callable[[], float]) -> None:
        self.file = file
        self.parameter_name = parameter_name
        self.aws = aws
        self.unified = unified
        self.apply = apply
        self.clock = clock
        self.status = BackendStatus(unified=unified)
        self.text: str | None = None
        self.read_time: float | None = None
        self.problem = ""  # why the last reading was not taken

    @property
    def source(self) -> str:
        if self.file is not None:
            return f"file {self.file}"
        return f"SSM parameter {self.parameter_name}" if self.parameter_name else ""

    def _read(self) -> str:
        if self.file is not None:
            return self.file.read_text(encoding="utf-8")
        return parameter(self.aws or AwsSettings(), self.parameter_name or "")

    def refresh(self, text: str | None = None) -> bool:
        """Read the document (or take `text`, read elsewhere); whether the status changed."""
        try:
            text = self._read() if text is None else text
        except (OSError, UnicodeError, AwsSetupError) as e:
            return self._refused(f"cannot read the backend status from {self.source}: {e}")
        self.read_time = self.clock()
        if text == self.text:
            return False
        try:
            status = BackendStatus.parse(text, self.unified)
        except ValueError as e:
            return self._refused(f"backend status from {self.source} not taken: {e}")
        self.text, self.status, self.problem = text, status, ""
        self.apply(status)
        held = [f"{b.name} {b.status.value}" for b in status.backends.values() if b.status.value != "available"]
        log.info("backend status from %s: %s", self.source, ", ".join(held) or "every backend available")
        return True

    def _refused(self, problem: str) -> bool:
        if problem != self.problem:
            log.warning("%s; the status in force is kept", problem)
        self.problem = problem
        return False

    async def keep_reading(self, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            if self.file is not None:
                self.refresh()
            else:  # SSM: a network call, off the event loop
                try:
                    text = await asyncio.to_thread(self._read)
                except AwsSetupError as e:
                    self._refused(f"cannot read the backend status from {self.source}: {e}")
                    continue
                self.refresh(text)
