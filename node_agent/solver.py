"""Starting, following and stopping one Abaqus analysis exactly as Abaqus wants it.

Start: an argument list, the full launcher path, stdin closed, its own process group, its stdout
kept as NAME.log. Follow: the analysis runs while its launcher does or while a solver process
works in the job directory (a solver may outlive its launcher). Stop: `abaqus terminate job=NAME`
from the job directory, a grace period, then kill the launcher's tree and every solver process left
in the directory, then remove the stale NAME.lck, so the license tokens are free when it returns.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from abaqueue import file_names

from . import process_tree
from .config import SCRATCH
from .process_tree import NEW_GROUP, JobObject

log = logging.getLogger(__name__)

# Abaqus refuses a file path longer than this (abaqus.md): job directories and names must fit.
MAX_PATH = 256

# cmd.exe parses .bat arguments: nothing but these characters may reach it (a path, config.SCRATCH:
# also : \ /).
SAFE_ARGUMENT = re.compile(rf"[A-Za-z0-9_]+=(?:{file_names.SOLVER_ARGUMENT.pattern})")  # key=value
# `abaqus terminate` writes here, not into NAME.log: the launcher holds NAME.log open and Windows
# does not append atomically through two handles, so its later writes would overwrite these lines.
TERMINATE_LOG = "{name}.terminate.log"

POLL_S = 0.2
EXIT_POLL_S = 0.02  # a launcher of ours: waitpid without blocking costs next to nothing
KILL_WAIT_S = 10.0  # after a kill, how long to wait for our launcher to be gone
TERMINATE_TIMEOUT_S = 60.0


def command_line(abaqus: tuple[str, ...], job: str, input_file: str, cpus: int, *, memory: str = "",
                 double: str = "", user: str = "", oldjob: str = "", scratch: str = "") -> list[str]:
    """`abaqus job=NAME input=NAME.inp cpus=N [memory= double= user= oldjob= scratch=] interactive
    ask_delete=OFF`: interactive so the launcher stays until the analysis ends, ask_delete=OFF so
    old files never make it wait for an answer no one gives."""
    args = [f"job={job}", f"input={input_file}", f"cpus={cpus}"]
    args += [f"{key}={value}" for key, value in (("memory", memory), ("double", double), ("user", user),
                                                 ("oldjob", oldjob)) if value]
    for arg in args:
        if not SAFE_ARGUMENT.fullmatch(arg):
            raise ValueError(f"unsafe solver argument {arg!r}")
    if scratch:
        if not SCRATCH.fullmatch(scratch):
            raise ValueError(f"unsafe solver argument scratch={scratch!r}")
        args.append(f"scratch={scratch}")
    return [*abaqus, *args, "interactive", "ask_delete=OFF"]


@dataclass
class Analysis:
    """One solver run in `job_dir`: the launcher this agent started (`process`), or one it found
    again after a restart (`launcher_pid`, checked against its start time)."""

    job_dir: Path
    job_name: str
    solver_names: tuple[str, ...]
    launcher_pid: int | None = None
    launcher_started: float = 0.0
    process: subprocess.Popen | None = None
    job_object: JobObject = field(default_factory=JobObject)

    @classmethod
    async def start(cls, args: list[str], job_dir: Path, job_name: str, solver_names: tuple[str, ...],
                    kill_on_close: bool = False) -> Analysis:
        # A plain Popen, not an asyncio subprocess: asyncio kills its children when their transport
        # is closed, and the solver must outlive an agent restart.
        with open(job_dir / f"{job_name}.log", "ab") as out:
            process = subprocess.Popen(args, cwd=job_dir, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.STDOUT, **NEW_GROUP)
        analysis = cls(job_dir, job_name, solver_names, process.pid, _started(process.pid), process,
                       JobObject(kill_on_close))
        try:
            analysis.job_object.add(process.pid)
        except Exception as e:  # Windows: nested jobs are refused on old versions; psutil still works
            log.warning("could not put the launcher in a job object: %s", e)
        return analysis

    def launcher(self) -> psutil.Process | None:
        """The launcher while it runs (a reused pid with another start time is not it)."""
        if self.launcher_pid is None:
            return None
        if self.process is not None and self.process.poll() is not None:
            return None
        try:
            p = psutil.Process(self.launcher_pid)
            if abs(p.create_time() - self.launcher_started) > 1.0 or p.status() == psutil.STATUS_ZOMBIE:
                return None
            return p
        except psutil.Error:
            return None

    def processes(self) -> list[psutil.Process]:
        """Every live process of this analysis."""
        launcher = self.launcher()
        found = {p.pid: p for p in process_tree.tree(launcher.pid if launcher else None)}
        for p in process_tree.in_directory(self.job_dir, self.solver_names):
            found.setdefault(p.pid, p)
        return process_tree.alive(found.values())

    @property
    def exit_code(self) -> int | None:
        """The launcher's exit code, when this agent started it and it has exited."""
        return self.process.poll() if self.process is not None else None

    async def launcher_exited(self) -> None:
        if self.process is not None:  # ours: a non-blocking waitpid, no process table reads
            while self.process.poll() is None:
                await asyncio.sleep(EXIT_POLL_S)
            return
        while await asyncio.to_thread(self.launcher) is not None:
            await asyncio.sleep(POLL_S)

    def running(self) -> bool:
        return bool(self.processes())

    async def stop(self, abaqus: tuple[str, ...], grace_s: float) -> None:
        """Ask, wait up to `grace_s`, kill whatever is left, remove the stale lock."""
        await self._ask_to_terminate(abaqus)
        deadline = asyncio.get_running_loop().time() + grace_s
        while await asyncio.to_thread(self.running) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(POLL_S)
        left = await asyncio.to_thread(self.processes)
        if left:
            log.warning("%s: killing %d solver process(es) still running after %.0f s: %s", self.job_name,
                        len(left), grace_s, ", ".join(f"{_name(p)}[{p.pid}]" for p in left))
            self.job_object.terminate()
            still = await asyncio.to_thread(process_tree.kill, left)
            if still:
                log.error("%s: processes survive a kill: %s", self.job_name, [p.pid for p in still])
        waited = 0.0
        while self.process is not None and self.process.poll() is None and waited < KILL_WAIT_S:
            await asyncio.sleep(EXIT_POLL_S)
            waited += EXIT_POLL_S
        lock = self.job_dir / f"{self.job_name}.lck"
        if lock.exists():
            await remove_with_retries(lock)

    async def _ask_to_terminate(self, abaqus: tuple[str, ...]) -> None:
        """`abaqus terminate job=NAME` from the job directory, its output kept in
        NAME.terminate.log and the agent's log; a stop signal to the launcher's group when that
        cannot be run."""
        try:
            process = await asyncio.create_subprocess_exec(
                *abaqus, "terminate", f"job={self.job_name}", cwd=self.job_dir, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                output, _ = await asyncio.wait_for(process.communicate(), TERMINATE_TIMEOUT_S)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
                raise
            code = process.returncode
            with open(self.job_dir / TERMINATE_LOG.format(name=self.job_name), "ab") as out:
                out.write(output)
            text = output.decode("utf-8", "replace").strip()
            log.info("%s: abaqus terminate exited with %s%s", self.job_name, code, f": {text}" if text else "")
        except (OSError, asyncio.TimeoutError) as e:
            code = None
            log.warning("%s: abaqus terminate failed: %s", self.job_name, e or "timed out")
        if code != 0:
            self._signal_launcher()

    def _signal_launcher(self) -> None:
        launcher = self.launcher()
        if launcher is None:
            return
        try:
            if hasattr(signal, "CTRL_BREAK_EVENT"):
                launcher.send_signal(signal.CTRL_BREAK_EVENT)
            else:
                os.killpg(launcher.pid, signal.SIGTERM)
        except (OSError, psutil.Error):
            pass


async def remove_with_retries(path: Path, attempts: int = 10, pause_s: float = 0.5) -> None:
    """Remove `path`, retrying while another process (antivirus, a dying solver) holds it."""
    for attempt in range(attempts):
        try:
            path.unlink(missing_ok=True)
            return
        except PermissionError as e:
            if attempt == attempts - 1:
                log.error("could not remove %s: %s", path, e)
                return
            await asyncio.sleep(pause_s)


def _started(pid: int) -> float:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return 0.0


def _name(p: psutil.Process) -> str:
    try:
        return p.name()
    except psutil.Error:
        return "?"
