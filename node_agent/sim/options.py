"""The simulator's behaviour, set by `** abaqus-sim: key=value ...` comment lines in the input file.

    seconds=S      total run time in seconds, spread evenly over the increments (default 2)
    increments=N   increments per timed step (default 5; perturbation steps have one)
    cutbacks=K     every K-th increment first fails one attempt (a `U` row; Standard only); 0: never
    fail=MODE      model | license | system: fail as described in node_agent.sim.main
    queue=S        wait S seconds in the licence queue before the checkout (or before a licence
                   failure), logging the queued lines
    exit_code=N    the launcher's exit code at the end, whatever happened (2021.HF5 exits
                   non-zero after a successful analysis)
    odb_kb=N       size of the final NAME.odb in KiB (default 64)
    clock=cpu      Explicit .sta: a CPU time column (older versions) instead of WALL (default wall)
    mass_scaling=1 Explicit .sta: the PERCENT CHNG MASS column of a mass-scaled analysis
    error=KIND     with fail=model, which model error: attempts (Standard's default), min_increment,
                   too_many_increments, distortion (Explicit's default), preprocessor, compile, link
    stubborn=1     the solver process runs in its own session and ignores `terminate` and stop
                   signals, so only a kill ends it (a solver that outlives its launcher)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FAIL_MODES = ("model", "license", "system")
MODEL_ERRORS = ("attempts", "min_increment", "too_many_increments", "distortion", "preprocessor", "compile", "link")


class OptionError(Exception):
    """A simulator option in the input file is unknown or has a bad value."""


@dataclass(frozen=True)
class SimOptions:
    seconds: float = 2.0
    increments: int = 5
    cutbacks: int = 0
    fail: str | None = None
    queue: float = 0.0
    exit_code: int | None = None
    odb_kb: int = 64
    stubborn: bool = False
    clock: str = "wall"
    mass_scaling: bool = False
    error: str | None = None


def options_from(raw: dict[str, str]) -> SimOptions:
    """SimOptions from the key/value pairs read by node_agent.inp.read_sim_options."""
    known = set(SimOptions.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise OptionError(f"abaqus-sim: unknown option(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(known))}")
    fail = raw.get("fail", "").lower() or None
    if fail is not None and fail not in FAIL_MODES:
        raise OptionError(f"abaqus-sim: fail={fail} is not one of {', '.join(FAIL_MODES)}")
    clock = raw.get("clock", "wall").lower()
    if clock not in ("wall", "cpu"):
        raise OptionError(f"abaqus-sim: clock={clock} is not wall or cpu")
    error = raw.get("error", "").lower() or None
    if error is not None and error not in MODEL_ERRORS:
        raise OptionError(f"abaqus-sim: error={error} is not one of {', '.join(MODEL_ERRORS)}")
    exit_code = raw.get("exit_code")
    return SimOptions(
        seconds=_number(raw, "seconds", float, 2.0, 0),
        increments=_number(raw, "increments", int, 5, 1),
        cutbacks=_number(raw, "cutbacks", int, 0, 0),
        fail=fail,
        queue=_number(raw, "queue", float, 0.0, 0),
        exit_code=None if exit_code is None else _number(raw, "exit_code", int, 0, None),
        odb_kb=_number(raw, "odb_kb", int, 64, 0),
        stubborn=bool(_number(raw, "stubborn", int, 0, 0)),
        clock=clock, mass_scaling=bool(_number(raw, "mass_scaling", int, 0, 0)), error=error,
    )


def _number(raw: dict[str, str], key: str, kind: type, default: float, minimum: float | None):
    text = raw.get(key)
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise OptionError(f"abaqus-sim: {key}={text} is not a valid {kind.__name__}") from None
    if not math.isfinite(value) or (minimum is not None and value < minimum):
        raise OptionError(f"abaqus-sim: {key}={text} must be a number of at least {minimum}")
    return value
