"""The simulated solver process (standard.exe / explicit.exe): started by the launcher, it runs
the analysis and writes the job files.

It names itself `standard` or `explicit` (Linux) so that it looks like the real solver to anyone
listing processes, and writes its process id to NAME.cid, where `abaqus-sim terminate job=NAME`
finds it (the real .cid is the job's communication file; it is never uploaded). A stubborn solver
(`stubborn=1`) ignores stop requests: only a kill ends it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..inp import parse_steps, read_sim_options
from .args import parse_command
from .options import options_from
from .pacing import Pacer
from .run import Simulation

STOP_SIGNALS = [getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGBREAK") if hasattr(signal, name)]
PR_SET_NAME = 15


def read_cid(path: Path) -> int:
    """The solver's process id from NAME.cid."""
    return int(path.read_text(encoding="ascii").strip())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    workdir = Path.cwd()
    command = parse_command(argv)  # the launcher checked the command line and the options
    input_path = workdir / command.input_file
    options = options_from(read_sim_options(input_path))
    steps = parse_steps(input_path)
    explicit = any(step.procedure == "explicit" for step in steps)
    _name_process("explicit" if explicit else "standard")
    cid = workdir / f"{command.job}.cid"
    cid.write_text(f"{os.getpid()}\n", encoding="ascii")
    stop = threading.Event()
    try:
        with _on_stop_signals(lambda: None if options.stubborn else stop.set()):
            return Simulation(workdir, command, steps, options, sys.stdout, Pacer(stop.is_set)).run()
    finally:
        cid.unlink(missing_ok=True)


def _name_process(name: str) -> None:
    """Show as `name` in process lists (Linux); elsewhere keep the interpreter's name."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(PR_SET_NAME, name.encode() + b"\0", 0, 0, 0)
        except (OSError, AttributeError):
            pass


@contextmanager
def _on_stop_signals(handler) -> Iterator[None]:
    """Call `handler` on SIGTERM, SIGINT and (Windows) SIGBREAK while inside; handlers restored after."""
    previous = {sig: signal.signal(sig, lambda _signum, _frame: handler()) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


if __name__ == "__main__":
    sys.exit(main())
