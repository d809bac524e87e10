"""Reading the solver's progress from its own files in the job directory."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .inp import Step
from .progress import ProgressSnapshot, compute_progress, msg_position
from .sta import parse_sta

LOG_TAIL_BYTES = 64 * 1024
MSG_TAIL_BYTES = 256 * 1024


def _read(path: Path, tail: int | None = None) -> str:
    try:
        with open(path, "rb") as f:
            if tail is not None:
                size = f.seek(0, 2)
                f.seek(max(0, size - tail))
            return f.read().decode("utf-8", errors="replace")
    except OSError:  # not written yet, or locked for a moment
        return ""


def read_progress(job_dir: Path, job_name: str, steps: list[Step]) -> ProgressSnapshot:
    """From the .sta, or from the .msg where that is ahead of it (the .msg states each converged
    increment's step fraction), and the log for the license queue."""
    sta = parse_sta(_read(job_dir / f"{job_name}.sta"))
    msg = msg_position(_read(job_dir / f"{job_name}.msg", MSG_TAIL_BYTES))
    if msg is not None and sta.completed is None and (msg.step, msg.increment) > (sta.step, sta.increment):
        period = steps[msg.step - 1].period if msg.step <= len(steps) else None
        sta = replace(sta, step=msg.step, increment=msg.increment, step_time=msg.fraction * (period or 0.0))
    return compute_progress(steps, sta, _read(job_dir / f"{job_name}.log", LOG_TAIL_BYTES))
