"""Which files of a job directory go back as results.

The node's extensions (default .odb .dat .msg .sta .log) are expected: after a success, one that is
not there is reported missing. The job's own patterns (globs) and, when it asks, the restart files
come back when they exist. Lock and communication files never do.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

RESTART_EXTENSIONS = (".res", ".mdl", ".stt", ".prt", ".sim", ".com", ".abq", ".pac", ".sel")
NEVER = (".lck", ".cid", ".023")


@dataclass(frozen=True)
class Wanted:
    job: str
    extensions: tuple[str, ...]
    patterns: tuple[str, ...] = ()
    restart_files: bool = False


def select(job_dir: Path, wanted: Wanted) -> tuple[list[Path], list[str]]:
    """(files to bring back, sorted by name; expected names that are missing)."""
    expected = [f"{wanted.job}{ext}" for ext in wanted.extensions]
    optional = [f"{wanted.job}{ext}" for ext in RESTART_EXTENSIONS] if wanted.restart_files else []
    names = {p.name: p for p in job_dir.iterdir() if p.is_file()}
    chosen = {n for n in [*expected, *optional] if n in names}
    for pattern in wanted.patterns:
        chosen.update(fnmatch.filter(names, pattern))
    chosen = {n for n in chosen if not n.lower().endswith(NEVER)}
    return [names[n] for n in sorted(chosen)], [n for n in expected if n not in names]
