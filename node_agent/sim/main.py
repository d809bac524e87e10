"""abaqus-sim: runs like the Abaqus launcher, so the node agent can be tested without Abaqus.

Command line (as shared/design/abaqus.md; keys case-insensitive, any order):

    abaqus-sim job=NAME input=NAME.inp cpus=N interactive ask_delete=OFF

`input` may omit `.inp` (default NAME.inp); memory=, scratch=, double, user=, gpus= are accepted
and ignored; oldjob= must differ from job=. An unknown or invalid argument prints an
`Abaqus Error: ...` line and exits 1. The current directory is the job directory.

Before the run, as the real launcher does:
- a missing input file: `Abaqus Error: The following file(s) could not be located: ...`, exit 1;
- an existing NAME.lck (a stale lock): an `Abaqus Error:` line naming it, exit 1 (text unverified);
- old job files (NAME.odb, .sta, .msg, .dat, .com, restart files; not NAME.log, which the agent
  creates to hold stdout): with ask_delete=OFF they are deleted; otherwise the prompt
  `Old job files exist. Overwrite? (y/n):` blocks on stdin: "y" deletes them and goes on, any
  other answer exits 1, and a closed stdin (EOF) prints an error and exits 1;
- without `interactive` the real launcher would detach and return at once: the simulator prints
  one line saying the job was submitted in background, runs nothing and exits 0.

The run (log text on stdout, flushed line by line; the agent keeps it as NAME.log):
NAME.com; `Abaqus JOB NAME`, `Abaqus Version 2024`; the licence checkout (`Abaqus/Standard checked
out T tokens from Flexnet server lic01.example.com.`, T = floor(5 * cpus**0.422)); the input file
processor writing NAME.dat; the solver writing NAME.lck (removed at the end), a NAME.sta that grows
one row per increment (Standard layout, or the Explicit layout when a step is *Dynamic, Explicit),
NAME.msg with `STEP TIME COMPLETED ..., TOTAL TIME COMPLETED ...` and `FRACTION OF STEP COMPLETED`
per increment, and NAME.odb (deterministic bytes, see node_agent.sim.odb) grown at each step end.
Success ends the .sta with ` THE ANALYSIS HAS COMPLETED SUCCESSFULLY`, the .dat and .msg with
`THE ANALYSIS HAS BEEN COMPLETED`, the log with `Abaqus JOB NAME COMPLETED`, and exits 0.

Options come from `** abaqus-sim: key=value ...` comment lines in the input file (see
node_agent.sim.options): seconds, increments, cutbacks, fail, error, queue, exit_code, odb_kb, clock,
mass_scaling, stubborn.
Steps and their periods come from node_agent.inp.parse_steps; the increments are spread evenly over them.
Failure modes (all exit 1, halfway through the increments unless said otherwise):
- fail=model: five cut-back attempts of one increment (`U` rows), `***ERROR: TOO MANY ATTEMPTS MADE
  FOR THIS INCREMENT` and `THE ANALYSIS HAS BEEN TERMINATED DUE TO PREVIOUS ERRORS` in .msg/.dat,
  ` THE ANALYSIS HAS NOT BEEN COMPLETED` in the .sta, `Abaqus/Analysis exited with errors`
  (Explicit: an EXCESSIVE DISTORTION error instead of the cut-backs); error=min_increment,
  too_many_increments or distortion choose another solver error; error=preprocessor fails in the
  input file processor (a ***ERROR in the .dat, no .sta); error=compile or link fails building the
  user subroutine before anything runs;
- fail=license: at checkout, before any .dat or .sta: `Abaqus Error: Error checking out Abaqus
  license.` then `Abaqus/Analysis exited with errors` (after the queue lines when queue=S is set);
- fail=system: the solver dies: `Abaqus Error: The executable standard aborted with system error
  code 1073741819.`; no completion line anywhere, and NAME.lck stays behind as a stale lock.
`abaqus-sim licensing lmstat -a` prints FlexNet's usage report (`Users of abaqus:  (Total of 78
licenses issued;  Total of 53 licenses in use)`), the numbers from $ABAQUS_SIM_LICENSES.

exit_code=N replaces the exit code at the end of any run (success or failure), as the 2021.HF5
launcher that exits non-zero after a successful analysis.

Processes, as on Windows: the launcher starts the solver as a child process (named `standard` or
`explicit` on Linux) that writes its pid to NAME.cid and waits for it; killing the launcher alone
leaves the solver running. `abaqus-sim terminate job=NAME`, run in the job directory, asks the
solver to stop. With stubborn=1 the solver runs in its own session and ignores stop requests.

SIGTERM, SIGINT (and CTRL_BREAK on Windows) to the launcher or the solver, and `terminate`, stop
the run within about 50 ms: ` THE ANALYSIS HAS NOT
BEEN COMPLETED` is appended to the .sta, NAME.lck is removed, the log says `Abaqus/Analysis exited
with errors`, exit 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TextIO

from ..inp import read_sim_options
from . import solver
from .args import JOB_NAME, Command, UsageError, parse_command
from .options import OptionError, options_from
from .solver import STOP_SIGNALS

NEW_SESSION: dict = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt"
                     else {"start_new_session": True})

OLD_FILE_EXTENSIONS = (".odb", ".sta", ".msg", ".dat", ".com", ".prt", ".res", ".mdl", ".stt", ".sim",
                       ".abq", ".pac", ".sel", ".fil")
PROMPT = "Old job files exist. Overwrite? (y/n): "
EXITED = "Abaqus/Analysis exited with errors"


def main(argv: list[str] | None = None) -> int:
    """Run the simulator with `argv` (default: sys.argv[1:]) in the current directory; the exit code."""
    out = sys.stdout
    workdir = Path.cwd()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0].lower() == "licensing":
        return _licensing(argv[1:], out)
    if argv and argv[0].lower() == "terminate":
        return _terminate(argv[1:], workdir, out)
    try:
        command = parse_command(argv)
    except UsageError as e:
        return _say(out, str(e))
    input_path = workdir / command.input_file
    if not input_path.is_file():
        missing = f"Abaqus Error: The following file(s) could not be located: {command.input_file}"
        return _say(out, missing, EXITED)
    lock = workdir / f"{command.job}.lck"
    if lock.exists():
        locked = (f"Abaqus Error: The lock file {lock.name} exists: another analysis of job {command.job} "
                  f"may be running. If none is, delete {lock.name} and run the job again.")
        return _say(out, locked, EXITED)
    if not _clear_old_files(workdir, command, out):
        return 1
    if not command.interactive:
        return _say(out, f"Job {command.job} submitted in background: abaqus-sim does not run background "
                         "jobs (pass interactive).", code=0)
    try:
        options = options_from(read_sim_options(input_path))
    except OptionError as e:
        return _say(out, str(e), EXITED)
    return launch(argv, workdir, options.stubborn)


def _clear_old_files(workdir: Path, command: Command, out: TextIO) -> bool:
    """Delete the old job files, asking first unless ask_delete=OFF; False when the run must stop."""
    old = [workdir / f"{command.job}{ext}" for ext in OLD_FILE_EXTENSIONS]
    old = [path for path in old if path.exists()]
    if old and command.ask_delete:
        out.write(PROMPT)
        out.flush()
        answer = sys.stdin.readline() if sys.stdin is not None else ""
        if not answer:
            _say(out, "", "Abaqus Error: No answer to the overwrite question (end of input).", EXITED)
            return False
        if not answer.strip().lower().startswith("y"):
            _say(out, f"Abaqus JOB {command.job} not run: the old job files were kept.")
            return False
    for path in old:
        path.unlink(missing_ok=True)
    return True


def launch(argv: list[str], workdir: Path, stubborn: bool) -> int:
    """Start the solver as a child process and wait for it, as ABQLauncher waits for standard.exe.

    The child writes to the same stdout (the job's log). A stop signal to the launcher is passed on
    to the solver, and the launcher waits for it to close its files. A stubborn solver runs in its
    own session and ignores stop requests; the launcher then simply dies on the signal, leaving it
    behind, as a killed launcher leaves the solver on Windows."""
    child = subprocess.Popen(
        [sys.executable, "-m", "node_agent.sim.solver", *argv], cwd=workdir, stdin=subprocess.DEVNULL,
        stdout=sys.stdout, stderr=subprocess.STDOUT, **(NEW_SESSION if stubborn else {}))
    if not stubborn and threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            signal.signal(sig, lambda signum, _frame: _forward(child, signum))
    return child.wait()


def _forward(child: subprocess.Popen, signum: int) -> None:
    try:
        child.send_signal(signum)
    except OSError:
        pass


def _terminate(argv: list[str], workdir: Path, out: TextIO) -> int:
    """`abaqus terminate job=NAME`, from the job directory: asks the solver named in NAME.cid to stop."""
    job = next((a.partition("=")[2] for a in argv if a.lower().startswith("job=")), "")
    if not JOB_NAME.fullmatch(job):
        return _say(out, "Abaqus Error: terminate needs job=NAME.")
    try:
        pid = solver.read_cid(workdir / f"{job}.cid")
    except (OSError, ValueError):
        return _say(out, f"Abaqus Error: Job {job} is not running in this directory (no {job}.cid).")
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return _say(out, f"Abaqus Error: Job {job} is not running (process {pid} is gone).")
    return _say(out, f"Abaqus/Analysis: terminate request sent to job {job}.", code=0)


def _licensing(argv: list[str], out: TextIO) -> int:
    """`abaqus licensing lmstat -a`: FlexNet's report, with the tokens issued and in use taken from
    $ABAQUS_SIM_LICENSES ("ISSUED,IN_USE", default 78,53)."""
    if not argv or argv[0].lower() != "lmstat":
        return _say(out, f"Abaqus Error: licensing utility {' '.join(argv)!r} is not supported by abaqus-sim.")
    issued, _, in_use = os.environ.get("ABAQUS_SIM_LICENSES", "78,53").partition(",")
    return _say(out, "lmutil - Copyright (c) 1989-2023 Flexera. All Rights Reserved.",
                "Flexible License Manager status on Mon 11/23/2026 09:15", "",
                "License server status: 27000@lic01.example.com",
                "    License file(s) on lic01.example.com: C:\\SIMULIA\\License\\abaqus.lic:", "",
                "lic01.example.com: license server UP (MASTER) v11.19.4", "",
                "Feature usage info:", "",
                f"Users of abaqus:  (Total of {int(issued)} licenses issued;  Total of {int(in_use)} licenses in use)",
                code=0)


def _say(out: TextIO, *lines: str, code: int = 1) -> int:
    for line in lines:
        out.write(line + "\n")
    out.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
