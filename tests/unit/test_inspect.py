"""`abaqueue-agent inspect DIR --json` on job directories the simulator wrote, one for each kind of
.sta, .msg and log the agent must read."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from node_agent.main import main
from node_agent.sta import parse_sta
from tests.unit.test_simulator import ARGS, MODEL, sim_command, sim_env

EXPLICIT = """\
*Heading
** abaqus-sim: seconds={seconds} increments={increments} {options}
*Step, name=Crash
*Dynamic, Explicit
, 0.004
*End Step
"""
KEYS = {"job", "outcome", "waiting_for_license", "error_class", "error_message", "step", "total_steps",
        "increment", "step_fraction", "overall_fraction"}


def write_model(job_dir: Path, options: str = "", explicit: bool = False, seconds: float = 0.2,
                increments: int = 4) -> None:
    text = (EXPLICIT.format(seconds=seconds, increments=increments, options=options) if explicit else
            MODEL.format(options=options).replace("seconds=0.2 increments=4",
                                                  f"seconds={seconds} increments={increments}"))
    (job_dir / "beam.inp").write_text(text, encoding="utf-8")


def start(job_dir: Path, args: list[str] = ARGS) -> subprocess.Popen:
    with open(job_dir / "beam.log", "ab") as log:
        return subprocess.Popen(sim_command(args), cwd=job_dir, env=sim_env(), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)


def run(job_dir: Path, options: str = "", explicit: bool = False, args: list[str] = ARGS) -> int:
    write_model(job_dir, options, explicit)
    return start(job_dir, args).wait(60)


def inspect(job_dir: Path, capsys, *more: str) -> dict:
    assert main(["inspect", str(job_dir), "--json", *more]) == 0
    seen = json.loads(capsys.readouterr().out)
    assert KEYS <= set(seen)
    return seen


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.02)
    return value


def test_a_standard_analysis_with_cut_backs_over_three_steps(tmp_path, capsys):
    assert run(tmp_path, "cutbacks=2") == 0
    assert " 1U " in (tmp_path / "beam.sta").read_text().replace("1U", " 1U ")
    seen = inspect(tmp_path, capsys)
    assert (seen["job"], seen["outcome"], seen["error_class"]) == ("beam", "completed", None)
    assert (seen["step"], seen["total_steps"], seen["overall_fraction"]) == (3, 3, 1.0)


@pytest.mark.parametrize("options", ["", "clock=cpu", "mass_scaling=1", "clock=cpu mass_scaling=1"])
def test_explicit_analyses_with_wall_or_cpu_and_mass_columns(tmp_path, capsys, options):
    write_model(tmp_path, options, explicit=True, seconds=20, increments=200)
    solver = start(tmp_path)
    try:
        wait_for(lambda: parse_sta((tmp_path / "beam.sta").read_text()).increment
                 if (tmp_path / "beam.sta").exists() else 0)
        header = (tmp_path / "beam.sta").read_text()
        assert ("CPU" in header) == ("cpu" in options) and ("CHNG MASS" in header) == ("mass" in options)
        seen = inspect(tmp_path, capsys)
        assert seen["outcome"] == "running" and seen["solver_running"]
        assert seen["step"] == 1 and 0 < seen["overall_fraction"] < 1 and seen["increment"] > 0
    finally:
        solver.terminate()
        solver.wait(10)
    assert inspect(tmp_path, capsys)["outcome"] == "failed"  # terminated: THE ANALYSIS HAS NOT BEEN COMPLETED


def test_waiting_in_the_license_queue_then_running(tmp_path, capsys):
    write_model(tmp_path, "queue=1.5", seconds=2, increments=10)
    solver = start(tmp_path)
    try:
        wait_for(lambda: "queued" in (tmp_path / "beam.log").read_text())
        seen = inspect(tmp_path, capsys)
        assert seen["outcome"] == "running" and seen["waiting_for_license"] is True and seen["increment"] == 0
        wait_for(lambda: "checked out" in (tmp_path / "beam.log").read_text())
        assert inspect(tmp_path, capsys)["waiting_for_license"] is False
    finally:
        assert solver.wait(30) == 0
    assert inspect(tmp_path, capsys)["outcome"] == "completed"


def test_a_license_queue_timeout_is_a_license_failure(tmp_path, capsys):
    assert run(tmp_path, "fail=license queue=0.2") == 1
    seen = inspect(tmp_path, capsys)
    assert (seen["outcome"], seen["error_class"], seen["waiting_for_license"]) == ("failed", "license", False)
    assert "license" in seen["error_message"].lower()


@pytest.mark.parametrize(("options", "explicit", "text"), [
    ("fail=model", False, "TOO MANY ATTEMPTS MADE FOR THIS INCREMENT"),
    ("fail=model error=min_increment", False, "Time increment required is less than the minimum specified"),
    ("fail=model error=too_many_increments", False, "Too many increments needed to complete the step"),
    ("fail=model", True, "EXCESSIVE DISTORTION"),
    ("fail=model error=preprocessor", False, "The keyword is misspelled"),  # the .dat says why
    ("fail=model error=compile", False, "Problem during compilation"),
    ("fail=model error=link", False, "Problem during linking"),
])
def test_each_model_error_is_a_model_failure_with_its_text(tmp_path, capsys, options, explicit, text):
    assert run(tmp_path, options, explicit, [*ARGS, "user=umat.for"]) == 1
    seen = inspect(tmp_path, capsys)
    assert (seen["outcome"], seen["error_class"]) == ("failed", "model")
    assert text.lower() in seen["error_message"].lower()


def test_a_system_error_is_a_system_failure(tmp_path, capsys):
    assert run(tmp_path, "fail=system") == 1
    seen = inspect(tmp_path, capsys)
    assert (seen["outcome"], seen["error_class"]) == ("failed", "system")
    assert "1073741819" in seen["error_message"]


def test_success_with_a_non_zero_exit_is_completed(tmp_path, capsys):
    assert run(tmp_path, "exit_code=1") == 1
    assert inspect(tmp_path, capsys)["outcome"] == "completed"


def test_a_directory_before_the_solver_ran(tmp_path, capsys):
    write_model(tmp_path)
    seen = inspect(tmp_path, capsys, "--job", "beam")
    assert (seen["outcome"], seen["step"], seen["total_steps"]) == ("not_started", 0, 3)


def test_no_job_is_a_clear_error(tmp_path, capsys):
    assert main(["inspect", str(tmp_path), "--json"]) == 2
    assert "no job found" in capsys.readouterr().err


def test_the_agents_command_line_answers_the_overwrite_question_before_it_is_asked(tmp_path, capsys):
    assert run(tmp_path) == 0
    write_model(tmp_path)  # old files are there: without ask_delete=OFF Abaqus would ask and wait
    assert start(tmp_path).wait(60) == 0
    assert inspect(tmp_path, capsys)["outcome"] == "completed"
    assert "Overwrite?" not in (tmp_path / "beam.log").read_text()
