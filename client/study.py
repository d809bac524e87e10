"""A parameter study, as `abaqueue batch submit study.toml` reads it: the jobs of one batch.

    name = "plate-thickness"   # the batch's name ([A-Za-z0-9_-])
    parallelism = 3            # at most this many of its jobs run at once
    cpus = 4                   # each job's; and optionally: priority, labels, timeout (s),
                               # max_attempts, memory, files (extra inputs of every job)

    models = ["plate_a.inp", "plate_b.inp"]       # one job per model, named after the file
    # or
    template = "plate.inp"       # with <placeholders> ...
    parameters = "plates.csv"    # ... filled from each row of this CSV: one job per row, named
                                 # after its `name` column, else TEMPLATE_001, TEMPLATE_002, ...

Paths are relative to the study file. A template's `input=` names are relative to its own folder.
"""

from __future__ import annotations

import contextlib
import csv
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abaqueue import toml

from .errors import InvalidArgument
from .models import SolverOptions

PLACEHOLDER = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
KEYS = frozenset({"name", "parallelism", "cpus", "priority", "labels", "timeout", "max_attempts", "memory", "files",
                  "models", "template", "parameters"})


@dataclass(frozen=True)
class JobSpec:
    model: Path
    name: str
    folder: Path  # where its input= names are relative to


@dataclass(frozen=True)
class Study:
    name: str
    parallelism: int
    cpus: int
    files: tuple[Path, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)  # submit() keywords for every job
    models_: tuple[Path, ...] = ()
    template: Path | None = None
    rows: tuple[dict[str, str], ...] = ()

    @contextlib.contextmanager
    def models(self) -> Iterator[list[JobSpec]]:
        """Every job's model; a template's are written, filled in, into a folder that lives as long as this."""
        if self.template is None:
            yield [JobSpec(m, m.stem, m.parent) for m in self.models_]
            return
        text = self.template.read_text(encoding="utf-8", errors="replace")
        with tempfile.TemporaryDirectory(prefix="abaqueue-study-") as folder:
            specs = []
            for number, row in enumerate(self.rows, 1):
                name = row.get("name") or f"{self.template.stem}_{number:03d}"
                path = Path(folder) / f"{name}.inp"
                path.write_text(fill(text, row, f"{self.template.name} row {number}"), encoding="utf-8")
                specs.append(JobSpec(path, name, self.template.parent))
            yield specs


def fill(text: str, row: dict[str, str], where: str) -> str:
    unknown = sorted({m for m in PLACEHOLDER.findall(text) if m not in row})
    if unknown:
        raise InvalidArgument(f"{where}: no column fills {', '.join(f'<{u}>' for u in unknown)}")
    return PLACEHOLDER.sub(lambda m: row[m.group(1)], text)


def load(path: Path, parallelism: int | None = None) -> Study:
    """The study in `path` (TOML); `parallelism` overrides its own."""
    try:
        doc = toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, toml.TOMLDecodeError) as e:
        raise InvalidArgument(f"{path}: {e}") from e
    unknown = set(doc) - KEYS
    if unknown:
        raise InvalidArgument(f"{path}: unknown setting {', '.join(sorted(unknown))} "
                              f"(known: {', '.join(sorted(KEYS))})")
    kinds = {"priority": (str, "text"), "labels": (dict, "table"), "timeout": ((int, float), "number of seconds"),
             "max_attempts": (int, "whole number"), "cpus": (int, "whole number"),
             "parallelism": (int, "whole number"), "memory": (str, "text"), "files": (list, "list"),
             "models": (list, "list")}
    for key, (kind, what) in kinds.items():
        if key in doc and (not isinstance(doc[key], kind) or isinstance(doc[key], bool)):
            raise InvalidArgument(f"{path}: {key}: {doc[key]!r} is not a {what}")
    for key in ("template", "parameters"):
        if key in doc and not isinstance(doc[key], str):
            raise InvalidArgument(f"{path}: {key}: {doc[key]!r} is not a file name")
    here = path.parent
    name = str(doc.get("name") or path.stem)
    if not NAME.fullmatch(name):
        raise InvalidArgument(f"{path}: name: {name!r} is not [A-Za-z0-9_-], at most 64 characters")
    models = tuple(here / m for m in doc.get("models", ()))
    template = here / doc["template"] if doc.get("template") else None
    if bool(models) == bool(template):
        raise InvalidArgument(f"{path}: give either models = [...] or template = ... with parameters = ...")
    rows: tuple[dict[str, str], ...] = ()
    if template is not None:
        if not doc.get("parameters"):
            raise InvalidArgument(f"{path}: template needs parameters = a CSV file, one row per job")
        rows = _rows(here / doc["parameters"])
    for model in (*models, *([template] if template else [])):
        if not model.is_file():
            raise InvalidArgument(f"{path}: no such model {model}")
    stem = template.stem if template else ""
    names = [m.stem for m in models] or [r.get("name") or f"{stem}_{i:03d}" for i, r in enumerate(rows, 1)]
    bad = [n for n in names if not NAME.fullmatch(n)]
    if bad:
        raise InvalidArgument(f"{path}: job name {bad[0]!r} is not [A-Za-z0-9_-], at most 64 characters (Abaqus "
                              "takes the job name from the file name)")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidArgument(f"{path}: two jobs would be named {', '.join(twice)}")
    options: dict[str, Any] = {k: doc[k] for k in ("priority", "labels", "timeout", "max_attempts") if k in doc}
    if doc.get("memory"):
        options["solver"] = SolverOptions(memory=str(doc["memory"]))
    return Study(name, int(parallelism or doc.get("parallelism", 1)), int(doc.get("cpus", 1)),
                 tuple(here / f for f in doc.get("files", ())), options, models, template, rows)


def _rows(path: Path) -> tuple[dict[str, str], ...]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = tuple({k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f))
    except (OSError, UnicodeError, csv.Error) as e:
        raise InvalidArgument(f"{path}: {e}") from e
    if not rows:
        raise InvalidArgument(f"{path}: no rows: one job per row is made")
    for number, row in enumerate(rows, 1):
        if row.get("name") and not NAME.fullmatch(row["name"]):
            raise InvalidArgument(f"{path} row {number}: name {row['name']!r} is not [A-Za-z0-9_-]")
    return rows
