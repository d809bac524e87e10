"""Stopping a solver for good: the launcher, and every process it started.

Killing the Abaqus launcher does not kill the solver; it keeps running and keeps the licence
tokens. So a stop asks politely (SIGTERM, or CTRL_BREAK on Windows), waits a grace period, then
kills the whole tree as found by psutil.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess

import psutil

NEW_GROUP: dict = (
    {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt" else {"start_new_session": True}
)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _ask_to_stop(pid: int) -> None:
    try:
        if os.name == "nt":
            os.kill(pid, signal.CTRL_BREAK_EVENT)
        else:
            os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError, OSError):
        pass


async def stop_tree(process: asyncio.subprocess.Process, grace_s: float) -> None:
    """Ask the process group to stop, wait up to `grace_s`, then kill whatever is left."""
    members = _tree(process.pid)  # taken first: children reparent once the launcher exits
    _ask_to_stop(process.pid)
    try:
        await asyncio.wait_for(process.wait(), grace_s)
    except asyncio.TimeoutError:
        pass
    survivors = [p for p in members if p.is_running()]
    for p in survivors:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    await asyncio.to_thread(psutil.wait_procs, survivors, 5)
    if process.returncode is None:
        await process.wait()
