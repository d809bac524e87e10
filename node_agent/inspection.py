"""What the agent sees in a job directory, as `abaqueue-agent inspect DIR` prints it: the same
reading of the solver's files the agent reports to the scheduler."""

from __future__ import annotations

from pathlib import Path

from . import process_tree
from .config import AgentConfig
from .inp import parse_steps
from .outcome import Result, decide_outcome
from .progress_reader import read_progress

MARKER_EXTENSIONS = (".sta", ".log", ".msg", ".dat", ".com")


class NoJob(Exception):
    """The directory holds no job, or several and none was named."""


def job_name(job_dir: Path) -> str:
    """The job in `job_dir`: the one .inp there, else the one name its solver files share."""
    inputs = sorted(p.stem for p in job_dir.glob("*.inp"))
    if len(inputs) == 1:
        return inputs[0]
    written = sorted({p.stem for ext in MARKER_EXTENSIONS for p in job_dir.glob(f"*{ext}")})
    candidates = [n for n in written if n in inputs] or written
    if len(candidates) == 1:
        return candidates[0]
    raise NoJob(f"{job_dir}: {'no job found' if not candidates else 'several jobs: ' + ', '.join(candidates)}"
                "; name one with --job")


def inspect(job_dir: Path, job: str | None = None,
            solver_names: tuple[str, ...] = AgentConfig.solver_process_names) -> dict:
    job_dir = Path(job_dir)
    if not job_dir.is_dir():
        raise NoJob(f"{job_dir} is not a directory")
    name = job or job_name(job_dir)
    model = job_dir / f"{name}.inp"
    steps = parse_steps(model) if model.is_file() else []
    running = bool(process_tree.in_directory(job_dir, solver_names))
    outcome = decide_outcome(job_dir, name, None, ended=False)
    if outcome.result is Result.RUNNING and not running:  # started, no marker, nothing runs: it ended
        outcome = decide_outcome(job_dir, name, None, ended=True)
    p = read_progress(job_dir, name, steps)
    return {
        "job": name,
        "outcome": outcome.result.value,
        "waiting_for_license": p.waiting_for_license and outcome.result is Result.RUNNING,
        "error_class": outcome.error_class.value if outcome.error_class else None,
        "error_message": outcome.error_message,
        "warnings": list(outcome.warnings),
        "solver_running": running,
        "step": p.step, "total_steps": p.total_steps, "increment": p.increment,
        "step_fraction": p.step_fraction, "overall_fraction": p.overall_fraction,
    }
