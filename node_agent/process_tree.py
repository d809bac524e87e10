"""Finding and killing every process of one analysis.

Killing the Abaqus launcher does not kill the solver: `standard.exe` keeps running and keeps the
license tokens, and once the launcher is gone Windows no longer links the solver to it. So the
processes of a job are its launcher's tree while the launcher lives, plus every solver process
(by name) whose working directory is the job directory.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

import psutil

NEW_GROUP: dict = (
    {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt" else {"start_new_session": True}
)


def normalised(name: str) -> str:
    name = name.lower()
    return name[:-4] if name.endswith(".exe") else name


def tree(pid: int | None) -> list[psutil.Process]:
    """The process `pid` and all its descendants; empty once it is gone."""
    if pid is None:
        return []
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def in_directory(job_dir: Path, names: Iterable[str]) -> list[psutil.Process]:
    """Processes called one of `names` (case and `.exe` ignored) working in `job_dir`."""
    wanted = {normalised(n) for n in names}
    where = os.path.normcase(str(Path(job_dir).resolve()))
    found = []
    for p in psutil.process_iter(["name"]):
        try:
            if normalised(p.info["name"] or "") in wanted and os.path.normcase(p.cwd()) == where:
                found.append(p)
        except psutil.Error:  # gone, or not ours to look at
            continue
    return found


def alive(processes: Iterable[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.Error:
            continue
    return out


def kill(processes: Iterable[psutil.Process], wait_s: float = 5.0) -> list[psutil.Process]:
    """Kill each process; those still alive after `wait_s`."""
    targets = alive(processes)
    for p in targets:
        try:
            p.kill()
        except psutil.Error:
            pass
    _, still = psutil.wait_procs(targets, wait_s)
    return still


class JobObject:
    """Windows: a Job Object holding the launcher and everything it starts, so one call ends them
    all even after the launcher is gone. With `kill_on_close` the solvers also die with the agent
    (off by default: an agent restart must not cost a running analysis). Elsewhere: does nothing."""

    def __init__(self, kill_on_close: bool = False) -> None:
        self.handle = None
        if os.name != "nt":
            return
        import win32job  # pywin32, a Windows-only dependency

        self.handle = win32job.CreateJobObject(None, "")
        if kill_on_close:
            info = win32job.QueryInformationJobObject(self.handle, win32job.JobObjectExtendedLimitInformation)
            info["BasicLimitInformation"]["LimitFlags"] |= win32job.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
            win32job.SetInformationJobObject(self.handle, win32job.JobObjectExtendedLimitInformation, info)

    def add(self, pid: int) -> None:
        if self.handle is None:
            return
        import win32api
        import win32con
        import win32job

        process = win32api.OpenProcess(win32con.PROCESS_SET_QUOTA | win32con.PROCESS_TERMINATE, False, pid)
        try:
            win32job.AssignProcessToJobObject(self.handle, process)
        finally:
            win32api.CloseHandle(process)

    def terminate(self) -> None:
        if self.handle is None:
            return
        import win32job

        win32job.TerminateJobObject(self.handle, 1)
