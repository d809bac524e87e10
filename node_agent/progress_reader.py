"""Reading the solver's progress from its own files in the job directory."""

from __future__ import annotations

from pathlib import Path

from .inp import Step
from .progress import ProgressSnapshot, compute_progress
from .sta import parse_sta

LOG_TAIL_BYTES = 64 * 1024


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
    sta = parse_sta(_read(job_dir / f"{job_name}.sta"))
    return compute_progress(steps, sta, _read(job_dir / f"{job_name}.log", LOG_TAIL_BYTES))
