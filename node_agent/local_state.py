"""The runs an agent has in hand, kept in a small JSON file in its work directory, so that after a
restart (of the agent, the service or the machine) it takes each one up again where it was:
inputs fetched again, a solver still alive followed again, a finished one reported from its files.

Windows antivirus and backup tools hold files open for a moment: swapping the new file in is
retried on a sharing violation. A file written by another version of the agent still loads: keys
this version does not know are ignored; a record that cannot be read is set aside (appended to
agent-state.set-aside.jsonl, for an operator to look at) and the others are taken up.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "agent-state.json"
SET_ASIDE_NAME = "agent-state.set-aside.jsonl"
INPUTS, SOLVING, RESULTS = "inputs", "solving", "results"
PHASES = (INPUTS, SOLVING, RESULTS)
RETRY_PAUSES_S = (0.05, 0.1, 0.2, 0.4)  # then the error stands


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


_TYPES: dict[str, tuple[type, ...]] = {
    "job_id": (str,), "attempt": (int,), "assignment": (str,), "phase": (str,), "launcher_pid": (int, type(None)),
    "launcher_started": (int, float), "solve_started": (int, float), "log_offset": (int,),
}
_REQUIRED = ("job_id", "attempt", "assignment")


def record_from(raw: object) -> tuple[RunRecord, list[str]]:
    """A record as the file holds it, and the keys in it this version does not know (ignored);
    ValueError when it cannot be one."""
    if not isinstance(raw, dict):
        raise ValueError(f"not an object: {raw!r:.80}")
    known = {f.name for f in fields(RunRecord)}
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ValueError(f"lacks {', '.join(missing)}")
    values = {k: v for k, v in raw.items() if k in known}
    for key, value in values.items():
        if not isinstance(value, _TYPES[key]) or isinstance(value, bool):
            raise ValueError(f"{key} is {value!r:.40}")
    if values.get("phase", INPUTS) not in PHASES:
        raise ValueError(f"unknown phase {values['phase']!r:.40}")
    try:
        values["assignment"] = base64.b64decode(values["assignment"], validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"assignment is not base64: {e}") from e
    return RunRecord(**values), sorted(set(raw) - known)


def with_retries(action: Callable[[], object], what: str, sleep: Callable[[float], None] = time.sleep) -> None:
    """Run `action`, again after short pauses while another process holds the file (PermissionError:
    a Windows sharing violation); the last error is raised."""
    for pause in (*RETRY_PAUSES_S, None):
        try:
            action()
            return
        except PermissionError as e:
            if pause is None:
                raise
            log.warning("%s: %s; trying again in %.2f s", what, e, pause)
            sleep(pause)


class LocalState:
    def __init__(self, work_dir: Path, sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = Path(work_dir) / FILE_NAME
        self.set_aside_path = Path(work_dir) / SET_ASIDE_NAME
        self.sleep = sleep
        self._records: dict[tuple[str, int], RunRecord] = {}

    def load(self) -> list[RunRecord]:
        """The runs written before the last stop. A file that is not one is set aside whole; a
        record that cannot be read is set aside alone."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            runs = raw["runs"]
            if not isinstance(runs, list):
                raise TypeError("runs is not a list")
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as e:
            aside = self.path.with_suffix(".unreadable")
            log.error("agent state %s is unreadable (%s): moved to %s; its runs are not taken up", self.path, e,
                      aside)
            with_retries(lambda: os.replace(self.path, aside), f"moving {self.path} aside", self.sleep)
            return []
        records, bad = [], []
        for entry in runs:
            try:
                record, unknown = record_from(entry)
            except ValueError as e:
                bad.append((entry, str(e)))
                continue
            if unknown:
                log.warning("agent state: run %s-%s has settings this agent does not know, ignored: %s",
                            record.job_id, record.attempt, ", ".join(unknown))
            records.append(record)
        self._records = {r.key: r for r in records}
        if bad:
            for entry, reason in bad:
                self._append_aside(entry, reason)
            self._write()
        return records

    def save(self, record: RunRecord) -> None:
        self._records[record.key] = record
        self._write()

    def forget(self, key: tuple[str, int]) -> None:
        if self._records.pop(key, None) is not None:
            self._write()

    def set_aside(self, record: RunRecord, reason: str) -> None:
        """Stop keeping `record` (it cannot be taken up: `reason`); it stays in the set-aside file."""
        self._records.pop(record.key, None)
        self._append_aside(_as_json(record), reason)
        self._write()

    def _append_aside(self, entry: object, reason: str) -> None:
        run = f"{entry.get('job_id')}-{entry.get('attempt')}" if isinstance(entry, dict) else "?"
        log.error("agent state: run %s cannot be taken up (%s): set aside in %s", run, reason, self.set_aside_path)
        self.set_aside_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.set_aside_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"reason": reason, "run": entry}) + "\n")

    def _write(self) -> None:
        """Write a new file and swap it in, so a crash leaves the old state or the new, never half;
        no runs, no file."""
        if not self._records:
            with_retries(lambda: self.path.unlink(missing_ok=True), f"removing {self.path}", self.sleep)
            return
        runs = [_as_json(r) for r in self._records.values()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"runs": runs}, f)
            f.flush()
            os.fsync(f.fileno())
        with_retries(lambda: os.replace(tmp, self.path), f"replacing {self.path}", self.sleep)


def _as_json(record: RunRecord) -> dict:
    return {**asdict(record), "assignment": base64.b64encode(record.assignment).decode("ascii")}
