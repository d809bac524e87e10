"""The runs an agent has in hand, kept in a small JSON file in its work directory, so that after a
restart (of the agent, the service or the machine) it takes each one up again where it was:
inputs fetched again, a solver still alive followed again, a finished one reported from its files.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "agent-state.json"
INPUTS, SOLVING, RESULTS = "inputs", "solving", "results"


@dataclass(frozen=True)
class RunRecord:
    job_id: str
    attempt: int
    assignment: bytes  # the scheduler's Assignment, serialized, to rebuild the run
    phase: str = INPUTS
    launcher_pid: int | None = None
    launcher_started: float = 0.0
    solve_started: float = 0.0  # wall clock (time.time()) when the solver was started: for its time limit
    log_offset: int = 0  # how much of NAME.log the scheduler has

    @property
    def key(self) -> tuple[str, int]:
        return self.job_id, self.attempt

    def at(self, phase: str, **changes) -> RunRecord:
        return replace(self, phase=phase, **changes)


class LocalState:
    def __init__(self, work_dir: Path) -> None:
        self.path = Path(work_dir) / FILE_NAME
        self._records: dict[tuple[str, int], RunRecord] = {}

    def load(self) -> list[RunRecord]:
        """The runs written before the last stop. An unreadable file is set aside, not trusted."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            records = [RunRecord(**{**r, "assignment": base64.b64decode(r["assignment"])}) for r in raw["runs"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as e:
            aside = self.path.with_suffix(".unreadable")
            log.error("agent state %s is unreadable (%s): moved to %s; its runs are not taken up", self.path, e,
                      aside)
            os.replace(self.path, aside)
            return []
        self._records = {r.key: r for r in records}
        return records

    def save(self, record: RunRecord) -> None:
        self._records[record.key] = record
        self._write()

    def forget(self, key: tuple[str, int]) -> None:
        if self._records.pop(key, None) is not None:
            self._write()

    def _write(self) -> None:
        """Write a new file and swap it in, so a crash leaves the old state or the new, never half;
        no runs, no file."""
        if not self._records:
            self.path.unlink(missing_ok=True)
            return
        runs = [{**asdict(r), "assignment": base64.b64encode(r.assignment).decode("ascii")}
                for r in self._records.values()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"runs": runs}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
