"""Starting the solver exactly as Abaqus is started: an argument list, the full launcher path,
stdin closed, its own process group, and its stdout kept as NAME.log."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

from .process_tree import NEW_GROUP

# Abaqus refuses a file path longer than this (abaqus.md): job directories and names must fit.
MAX_PATH = 256

# cmd.exe parses .bat arguments: nothing but these characters may reach it.
SAFE_ARGUMENT = re.compile(r"[A-Za-z0-9_.=-]+")


def command_line(abaqus: tuple[str, ...], job: str, input_file: str, cpus: int) -> list[str]:
    args = [f"job={job}", f"input={input_file}", f"cpus={cpus}", "interactive", "ask_delete=OFF"]
    for arg in args:
        if not SAFE_ARGUMENT.fullmatch(arg):
            raise ValueError(f"unsafe solver argument {arg!r}")
    return [*abaqus, *args]


async def start(args: list[str], cwd: Path, log_path: Path) -> asyncio.subprocess.Process:
    with open(log_path, "ab") as log:
        return await asyncio.create_subprocess_exec(
            *args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, **NEW_GROUP,
        )
