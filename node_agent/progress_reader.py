"""Reading the solver's progress from its own files in the job directory.

A `ProgressReader` follows one job: each `read()` reads only what the .sta, .msg and log gained
since the last one (a half-written last line waits for its end), keeping what it parsed so far. A
file that was replaced (another identity, another beginning) or truncated is read again from the
start. On its first look a reader takes only the tail of the .msg and the log (their recent lines
say where the solver is), all of the .sta (its header and step lines matter). `read_progress` is
the one-shot reading.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from abaqueue.sta_rows import is_data

from .inp import Step
from .progress import LicenseQueue, MsgParser, ProgressSnapshot, compute_progress
from .sta import StaParser

LOG_TAIL_BYTES = 64 * 1024
MSG_TAIL_BYTES = 256 * 1024
MAX_ROWS_A_REPORT = 1000  # the scheduler's bound on the lines of one report
HEAD_BYTES = 64  # the first bytes of a file, compared on each read: a new file has another beginning


class GrowingFile:
    """A text file that grows, read line by line from where the last read stopped."""

    def __init__(self, path: Path, first_tail: int | None = None) -> None:
        self.path = path
        self.first_tail = first_tail  # bytes from the end to start with, None: from the beginning
        self.offset = 0  # of the first byte not yet read as part of a whole line
        self._identity: tuple[int, int] | None = None
        self._head = b""
        self._skip_partial = False  # started inside the file: the first (cut) line is not whole

    def read(self) -> tuple[bool, list[str], str]:
        """(started over, the whole lines added since the last read, the unfinished last line).
        Started over: the file is new, truncated or gone, so what was read from it no longer holds."""
        try:
            f = open(self.path, "rb")
        except FileNotFoundError:
            gone = self._identity is not None
            self._identity, self.offset, self._head = None, 0, b""
            return gone, [], ""
        except OSError:  # locked for a moment (Windows): next time
            return False, [], ""
        with f:
            st = os.fstat(f.fileno())
            identity = (st.st_dev, st.st_ino)
            restart = self._identity is not None and (
                identity != self._identity or st.st_size < self.offset or f.read(len(self._head)) != self._head)
            if restart or self._identity is None:
                self._start(f, st.st_size, identity)
            elif len(self._head) < HEAD_BYTES and st.st_size > len(self._head):
                f.seek(0)
                self._head = f.read(HEAD_BYTES)
            f.seek(self.offset)
            data = f.read(max(0, st.st_size - self.offset))
        if self._skip_partial:
            cut = data.find(b"\n")
            if cut < 0:
                return restart, [], ""
            self.offset += cut + 1
            data = data[cut + 1:]
            self._skip_partial = False
        end = data.rfind(b"\n") + 1
        self.offset += end
        return restart, data[:end].decode("utf-8", "replace").splitlines(), data[end:].decode("utf-8", "replace")

    def _start(self, f, size: int, identity: tuple[int, int]) -> None:
        first = self._identity is None and self.first_tail is not None
        self._identity = identity
        f.seek(0)
        self._head = f.read(HEAD_BYTES)
        self.offset = max(0, size - self.first_tail) if first and self.first_tail is not None else 0
        self._skip_partial = self.offset > 0


class ProgressReader:
    """The progress of job `job_name` in `job_dir` with `steps`, read incrementally."""

    def __init__(self, job_dir: Path, job_name: str, steps: list[Step]) -> None:
        self.steps = steps
        self.sta_file = GrowingFile(job_dir / f"{job_name}.sta")
        self.msg_file = GrowingFile(job_dir / f"{job_name}.msg", MSG_TAIL_BYTES)
        self.log_file = GrowingFile(job_dir / f"{job_name}.log", LOG_TAIL_BYTES)
        self.sta, self.msg, self.log = StaParser(), MsgParser(), LicenseQueue()
        self.sta_rows: list[str] = []  # the .sta's data rows not reported yet
        self.sta_rows_before = 0  # how many rows of the .sta came before them (reported)

    def read(self) -> ProgressSnapshot:
        """From the .sta, or from the .msg where that is ahead of it (the .msg states each converged
        increment's step fraction), and the log for the license queue."""
        restart, lines, partial = self.sta_file.read()
        if restart:
            self.sta, self.sta_rows, self.sta_rows_before = StaParser(), [], 0
        self.sta.feed(lines)
        self.sta_rows += [line for line in lines if is_data(line)]
        # a last line without its line end yet: read it, but as a guess the next read may redo
        sta = (self.sta.copy().feed([partial]) if partial else self.sta).status()
        restart, lines, _ = self.msg_file.read()
        if restart:
            self.msg = MsgParser()
        msg = self.msg.feed(line + "\n" for line in lines).position
        restart, lines, _ = self.log_file.read()
        if restart:
            self.log = LicenseQueue()
        self.log.feed(lines)
        if msg is not None and sta.completed is None and (msg.step, msg.increment) > (sta.step, sta.increment):
            period = self.steps[msg.step - 1].period if msg.step <= len(self.steps) else None
            sta = replace(sta, step=msg.step, increment=msg.increment, step_time=msg.fraction * (period or 0.0))
        return compute_progress(self.steps, sta, waiting=self.log.waiting)


    def unreported_rows(self, most: int = MAX_ROWS_A_REPORT) -> tuple[int, list[str]]:
        """(rows before them, the next .sta rows to report)."""
        return self.sta_rows_before, self.sta_rows[:most]

    def reported(self, rows: int) -> None:
        """The first `rows` unreported rows reached the scheduler."""
        del self.sta_rows[:rows]
        self.sta_rows_before += rows


def read_progress(job_dir: Path, job_name: str, steps: list[Step]) -> ProgressSnapshot:
    """The progress as the files say it now: one read of a new ProgressReader."""
    return ProgressReader(job_dir, job_name, steps).read()
