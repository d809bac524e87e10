"""One simulated analysis in the job directory: what is written where, and in which order.

Phases as the real launcher runs them: command file and log header, licence checkout (queue,
failure), input file processor (.dat), then the solver (.lck, .sta rows, .msg blocks, .odb at each
step end) and the completion texts. The Pacer sets the pace and reports a requested stop.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from ..inp import Step
from . import file_text as ft
from . import log_text
from .args import Command
from .odb import grow_odb
from .options import SimOptions
from .pacing import Pacer, Terminated
from .plan import Row, failing_attempts, failure_point, plan_rows


class Simulation:
    def __init__(self, workdir: Path, command: Command, steps: list[Step], options: SimOptions,
                 out: TextIO, pacer: Pacer):
        self.workdir = workdir
        self.command = command
        self.job = command.job
        self.steps = steps or [Step("static", 1.0)]
        self.options = options
        self.out = out
        self.pacer = pacer
        self.explicit = any(step.procedure == "explicit" for step in self.steps)
        self.program = "Abaqus/Explicit" if self.explicit else "Abaqus/Standard"
        self.executable = "explicit" if self.explicit else "standard"
        self.error = options.error or ("distortion" if self.explicit else "attempts")
        self.rows = plan_rows(self.steps, options.increments, 0 if self.explicit else options.cutbacks)
        pacer.set_pace(options.seconds, 1 + len(self.rows))  # the input file processor, then each row

    def run(self) -> int:
        """Run the analysis; the launcher's exit code."""
        try:
            code = self._run()
        except Terminated:
            self._append(".sta", ft.NOT_COMPLETED)
            self._remove(".lck")
            self._log(log_text.terminated())
            return 1
        return code if self.options.exit_code is None else self.options.exit_code

    def _run(self) -> int:
        self._append(".com", f"# abaqus-sim command file\n# {' '.join(self.command.argv)}\n")
        self._log(log_text.header(self.job))
        if not self._check_out_license():
            return 1
        if self.error in ("compile", "link"):  # the user subroutine is built before anything runs
            user = next((a.partition("=")[2] for a in self.command.argv if a.lower().startswith("user=")), "usub.for")
            self._log(log_text.build_error(self.error, user))
            return 1
        if not self._preprocess():
            return 1
        return self._solve()

    def _check_out_license(self) -> bool:
        feature = "explicit" if self.explicit else "standard"
        queued = self.options.queue > 0
        if queued:
            self._log(log_text.queued(feature))
            self.pacer.wait(self.options.queue)
            self._log(log_text.queue_time(self.options.queue))
        if self.options.fail == "license":
            self._log(log_text.license_failure(after_queue=queued))
            return False
        self._log(log_text.checked_out(self.program, log_text.tokens(self.command.cpus)))
        return True

    def _preprocess(self) -> bool:
        self._log(log_text.begin("Analysis Input File Processor", "pre"))
        self._append(".dat", ft.dat_header(self.job, self.command.input_file, len(self.steps)))
        self.pacer.tick()
        if self.error == "preprocessor":
            self._append(".dat", ft.PRE_ERROR)
            self._log(log_text.preprocessor_error(self.job))
            return False
        self._log(log_text.end("Analysis Input File Processor"))
        if self.explicit:
            self._log(log_text.begin("Abaqus/Explicit Packager", "package"))
            self._log(log_text.end("Abaqus/Explicit Packager"))
        return True

    def _solve(self) -> int:
        self._log(log_text.begin(f"{self.program} Analysis", self.executable))
        self._append(".lck", f"abaqus-sim {self.job}\n")
        self._append(".sta", ft.explicit_sta_header() if self.explicit else ft.standard_sta_header())
        stop_at = failure_point(self.rows) if self.options.fail in ("model", "system") else None
        step = 0
        for index, row in enumerate(self.rows):
            if index == stop_at:
                return self._fail_model(row) if self.options.fail == "model" else self._fail_system()
            if row.step != step:
                step = row.step
                self._start_step(row)
            self.pacer.tick()
            self._write_row(row)
            if row.last_in_step:
                self._grow_odb(row.step)
        self._append(".sta", ft.SUCCESS)
        self._append(".msg", ft.DAT_COMPLETED)
        self._append(".dat", ft.DAT_COMPLETED + ft.dat_summary(self.pacer.elapsed()))
        self._remove(".lck")
        self._log(log_text.end(f"{self.program} Analysis"))
        self._log(log_text.completed(self.job))
        return 0

    def _start_step(self, row: Row) -> None:
        procedure = self.steps[row.step - 1].procedure
        self._append(".msg", ft.msg_step_start(row.step, procedure))
        self._append(".dat", ft.dat_step(row.step, procedure))
        if self.explicit:
            origin = row.total_time - row.step_time
            self._append(".sta", ft.explicit_step_header(row.step, origin, self.options.increments,
                                                         self.options.clock, self.options.mass_scaling))

    def _write_row(self, row: Row) -> None:
        if self.explicit:
            sta = ft.explicit_sta_row(row, self.pacer.elapsed(), row.increment, self.options.increments,
                                      self.options.clock, self.options.mass_scaling)
        else:
            sta = ft.standard_sta_row(row)
        self._append(".sta", sta)
        self._append(".msg", ft.msg_row(row))

    def _fail_model(self, row: Row) -> int:
        if self.error == "distortion":
            self.pacer.tick()
            self._append(".sta", ft.DISTORTION)
            errors = ft.DISTORTION
        else:  # the increment never converges: cut back again and again
            for attempt in failing_attempts(row):
                self.pacer.tick()
                self._write_row(attempt)
            errors = ft.MODEL_ERRORS[self.error]
        self._append(".msg", errors + ft.TERMINATED)
        self._append(".dat", errors + ft.TERMINATED)
        self._append(".sta", ft.NOT_COMPLETED)
        self._remove(".lck")
        self._log(log_text.solver_error(self.program))
        return 1

    def _fail_system(self) -> int:
        """The solver dies: no completion line anywhere, and its .lck stays behind (a stale lock)."""
        self.pacer.tick()
        self._log(log_text.system_error(self.executable))
        return 1

    def _grow_odb(self, finished_step: int) -> None:
        size = self.options.odb_kb * 1024
        grow_odb(self._path(".odb"), self.job, size, size * finished_step // len(self.steps))

    def _path(self, ext: str) -> Path:
        return self.workdir / f"{self.job}{ext}"

    def _append(self, ext: str, text: str) -> None:
        """Append and close at once, so a reader sees every row as soon as it is written."""
        with open(self._path(ext), "a", encoding="utf-8") as f:  # native newlines, as Abaqus writes
            f.write(text)

    def _remove(self, ext: str) -> None:
        self._path(ext).unlink(missing_ok=True)

    def _log(self, lines: list[str]) -> None:
        """Print to the log; a closed stdout does not stop the analysis (the solver writes files)."""
        try:
            for line in lines:
                self.out.write(line + "\n")
            self.out.flush()
        except (OSError, ValueError):
            pass
