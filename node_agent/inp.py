"""The steps of an Abaqus input file (.inp), and the simulator's options hidden in its comments.

Progress is measured against the step periods, so the agent reads them once before the solver
starts. Only what progress needs is parsed: `*Step`, the procedure keyword inside it and that
keyword's first data line; `*Include, input=FILE` is followed because steps often live in included
files. The file is streamed line by line: meshes make input files large.

Rules (see shared/design/abaqus.md):
- Keywords and parameters are case-insensitive; `**` starts a comment line; a keyword line or a
  data line that ends with a comma continues on the next line.
- Time-domain procedures (`*Static`, `*Dynamic`, `*Dynamic, Explicit`, `*Visco`, `*Heat Transfer`,
  ...) take the period from the second field of the first data line; a blank, missing,
  unreadable or non-positive value means the Abaqus default 1.0.
- Perturbation steps have no time: `*Frequency`, `*Buckle` and the other linear-perturbation
  procedures, and every procedure inside `*Step, perturbation`: their period is None.
- `*Static, Riks`: the step-time column holds the load proportionality factor, not time, and the
  LPF at which the step ends is not known in advance. The step is reported as procedure "riks"
  with period 1.0 (the default arc length), and progress treats it as one whole unit: it weighs
  1.0 and counts as done only once a later step starts or the analysis completes.
- A step without a recognised procedure keyword is Step("unknown", None): a whole unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from abaqueue.inp_keywords import Keyword, include_target
from abaqueue.inp_keywords import keyword as parse_keyword

MAX_INCLUDE_DEPTH = 20

# Procedures whose data line carries a time period in its second field.
TIMED_PROCEDURES = frozenset({
    "static", "dynamic", "explicit", "visco", "heat transfer", "coupled temperature-displacement",
    "coupled thermal-electric", "coupled thermal-electrical-structural", "soils", "geostatic",
    "mass diffusion", "modal dynamic", "direct cyclic", "electromagnetic",
})
# Procedures without time: linear perturbation and other instantaneous procedures.
PERTURBATION_PROCEDURES = frozenset({
    "frequency", "buckle", "complex frequency", "steady state dynamics", "random response",
    "response spectrum", "matrix generate", "substructure generate", "annealing",
})
PROCEDURES = TIMED_PROCEDURES | PERTURBATION_PROCEDURES | {"riks"}

_SIM_COMMENT = re.compile(r"^\*\*\s*abaqus-sim\s*:(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Step:
    """One analysis step: its procedure keyword and its time period (None: no time, a whole unit)."""

    procedure: str
    period: float | None


def parse_steps(inp_path: Path) -> list[Step]:
    """The steps of `inp_path` in order, following *Include files; [] when the file is unreadable."""
    steps: list[Step] = []
    in_step = False
    perturbation = False
    procedure_seen = False
    for keyword in _keywords(_lines(Path(inp_path), 0)):
        if keyword.name == "step":
            if in_step and not procedure_seen:
                steps.append(Step("unknown", None))
            in_step, procedure_seen = True, False
            perturbation = "perturbation" in keyword.params
        elif keyword.name == "end step":
            if in_step and not procedure_seen:
                steps.append(Step("unknown", None))
            in_step = False
        elif in_step and not procedure_seen:
            procedure = _procedure(keyword)
            if procedure is not None:
                procedure_seen = True
                steps.append(_step(procedure, keyword.data, perturbation))
    if in_step and not procedure_seen:
        steps.append(Step("unknown", None))
    return steps


def read_sim_options(inp_path: Path) -> dict[str, str]:
    """The simulator options: every `** abaqus-sim: key=value ...` comment line; a later value wins.

    Keys are lower-cased; values are kept as written. Included files are read too, in order.
    """
    options: dict[str, str] = {}
    for line in _lines(Path(inp_path), 0):
        match = _SIM_COMMENT.match(line.strip())
        if match:
            for item in match.group(1).split():
                key, sep, value = item.partition("=")
                if sep and key:
                    options[key.lower()] = value
    return options


def _procedure(keyword: Keyword) -> str | None:
    """The procedure a keyword starts, or None when the keyword is no procedure."""
    if keyword.name == "static" and "riks" in keyword.params:
        return "riks"
    if keyword.name == "dynamic" and "explicit" in keyword.params:
        return "explicit"
    return keyword.name if keyword.name in PROCEDURES else None


def _step(procedure: str, data: str, perturbation: bool) -> Step:
    if procedure == "riks":
        return Step("riks", 1.0)
    if perturbation or procedure in PERTURBATION_PROCEDURES:
        return Step(procedure, None)
    fields = [f.strip() for f in data.split(",")]
    period = _float(fields[1]) if len(fields) > 1 else None
    return Step(procedure, period if period is not None and period > 0 else 1.0)


def _float(text: str) -> float | None:
    try:
        value = float(text.replace("d", "e").replace("D", "e"))
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _keywords(lines: Iterator[str]) -> Iterator[Keyword]:
    """Keyword lines with their first data line; comments skipped, continuation lines joined."""
    pending: str | None = None  # keyword text still being read (continued or awaiting data)
    data: str | None = None
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("**"):
            continue
        if pending is not None and not line.startswith("*"):
            if data is None and pending.endswith(","):
                pending += line  # continued keyword line
                continue
            if data is not None and data.endswith(","):
                data += line  # continued data line
                continue
        if line.startswith("*"):
            if pending is not None:
                yield parse_keyword(pending, data or "")
            pending, data = line[1:], None
        elif pending is not None and data is None:
            data = line
    if pending is not None:
        yield parse_keyword(pending, data or "")


def _lines(path: Path, depth: int) -> Iterator[str]:
    """The lines of `path`, with each `*Include, input=FILE` replaced by that file's lines.

    An include path is relative to the including file's directory; a missing or unreadable file,
    or nesting deeper than MAX_INCLUDE_DEPTH, contributes nothing.
    """
    try:
        handle = open(path, encoding="utf-8", errors="replace")
    except OSError:
        return
    with handle:
        for line in handle:
            if line.lstrip()[:2].lower() == "*i":
                target = include_target(line)
                if target is not None:
                    if depth < MAX_INCLUDE_DEPTH:
                        yield from _lines(path.parent / target, depth + 1)
                    continue
            yield line
