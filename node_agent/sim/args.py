"""The launcher's command line: `abaqus-sim job=NAME input=NAME.inp cpus=N interactive ask_delete=OFF`.

Keys and bare words are case-insensitive and may come in any order. Accepted and ignored, as the
simulator has no use for them: memory=, scratch=, double (bare or with a value), user=, gpus=.
oldjob= must differ from job=. Anything else is an error, as with the real launcher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

JOB_NAME = re.compile(r"[A-Za-z0-9_-]+")
IGNORED_KEYS = frozenset({"memory", "scratch", "double", "user", "gpus"})


class UsageError(Exception):
    """The command line is invalid; the message is what the launcher prints."""


@dataclass(frozen=True)
class Command:
    job: str
    input_file: str  # with the .inp suffix
    cpus: int = 1
    interactive: bool = False
    ask_delete: bool = True
    oldjob: str | None = None
    argv: tuple[str, ...] = ()  # as given, for the command file


def parse_command(argv: list[str]) -> Command:
    """The command `argv` (without the program name) asks for; UsageError when it is invalid."""
    values: dict[str, str] = {}
    interactive = False
    for arg in argv:
        key, sep, value = arg.partition("=")
        key = key.strip().lower()
        if not sep:
            if key == "interactive":
                interactive = True
            elif key == "background":
                interactive = False
            elif key != "double":
                raise UsageError(f'Abaqus Error: Command line option "{arg}" is not recognized.')
        elif key in ("job", "input", "cpus", "ask_delete", "oldjob") or key in IGNORED_KEYS:
            values[key] = value.strip()
        else:
            raise UsageError(f'Abaqus Error: Command line option "{key}" is not recognized.')
    job = values.get("job", "")
    if not job:
        raise UsageError("Abaqus Error: No job name was given: use job=NAME.")
    if not JOB_NAME.fullmatch(job):
        raise UsageError(f'Abaqus Error: The job name "{job}" may hold only letters, digits, "_" and "-".')
    input_file = values.get("input") or job
    if not input_file.lower().endswith(".inp"):
        input_file += ".inp"
    return Command(job, input_file, _cpus(values.get("cpus", "1")), interactive,
                   _ask_delete(values.get("ask_delete", "ON")), _oldjob(values.get("oldjob"), job), tuple(argv))


def _cpus(text: str) -> int:
    try:
        cpus = int(text)
    except ValueError:
        cpus = 0
    if cpus < 1:
        raise UsageError(f'Abaqus Error: The value "{text}" of option cpus must be a positive integer.')
    return cpus


def _ask_delete(text: str) -> bool:
    if text.upper() not in ("ON", "OFF"):
        raise UsageError(f'Abaqus Error: The value "{text}" of option ask_delete must be ON or OFF.')
    return text.upper() == "ON"


def _oldjob(oldjob: str | None, job: str) -> str | None:
    if oldjob is not None and oldjob.lower() == job.lower():
        raise UsageError("Abaqus Error: The old job name must differ from the job name.")
    return oldjob or None
