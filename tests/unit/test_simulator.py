"""abaqus-sim, run as the agent runs Abaqus: its files must read back as real Abaqus files do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import node_agent
from node_agent.inp import Step, parse_steps
from node_agent.outcome import ErrorClass, Result, decide_outcome
from node_agent.progress import MsgPosition, compute_progress, msg_position
from node_agent.sim.args import UsageError, parse_command
from node_agent.sim.odb import MAGIC, odb_bytes
from node_agent.sim.options import OptionError, SimOptions, options_from
from node_agent.sim.pacing import Pacer, Terminated
from node_agent.sim.plan import failing_attempts, plan_rows
from node_agent.sta import parse_sta

REPO = Path(node_agent.__file__).resolve().parent.parent
ARGS = ["job=beam", "input=beam.inp", "cpus=4", "interactive", "ask_delete=OFF"]
MODEL = """\
*Heading
** abaqus-sim: seconds=0.2 increments=4 {options}
*Step, name=Load
*Static
0.1, 2.0
*End Step
*Step, name=Modes, perturbation
*Frequency
10
*End Step
*Step, name=Unload
*Static
0.1, 1.0
*End Step
"""


def sim_command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "node_agent.sim.main", *args]


def sim_env() -> dict[str, str]:
    paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}


def run_sim(job_dir: Path, options: str = "", args: list[str] = ARGS, model: str = MODEL) -> int:
    """Run the simulator as the agent does: stdin closed, stdout (and stderr) kept as beam.log."""
    (job_dir / "beam.inp").write_text(model.format(options=options), encoding="utf-8")
    with open(job_dir / "beam.log", "ab") as log:
        return subprocess.run(sim_command(args), cwd=job_dir, env=sim_env(), stdin=subprocess.DEVNULL,
                              stdout=log, stderr=subprocess.STDOUT, timeout=30).returncode


def progress(job_dir: Path):
    sta = parse_sta((job_dir / "beam.sta").read_text() if (job_dir / "beam.sta").exists() else "")
    return compute_progress(parse_steps(job_dir / "beam.inp"), sta, (job_dir / "beam.log").read_text())


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_success(tmp_path):
    assert run_sim(tmp_path) == 0
    assert decide_outcome(tmp_path, "beam", 0).result is Result.COMPLETED
    sta = parse_sta((tmp_path / "beam.sta").read_text())
    assert (sta.solver, sta.step, sta.increment, sta.completed) == ("standard", 3, 4, True)
    assert sta.total_time == pytest.approx(3.0)
    snapshot = progress(tmp_path)
    assert (snapshot.step, snapshot.total_steps, snapshot.overall_fraction) == (3, 3, 1.0)
    log = (tmp_path / "beam.log").read_text()
    assert log.startswith("Abaqus JOB beam\nAbaqus Version")
    assert "Abaqus/Standard checked out 8 tokens from Flexnet server lic01.example.com." in log
    assert log.rstrip().endswith("Abaqus JOB beam COMPLETED")
    assert msg_position((tmp_path / "beam.msg").read_text()) == MsgPosition(3, 4, 1.0)
    assert "THE ANALYSIS HAS BEEN COMPLETED" in (tmp_path / "beam.dat").read_text()
    assert (tmp_path / "beam.com").exists() and not (tmp_path / "beam.lck").exists()
    odb = (tmp_path / "beam.odb").read_bytes()
    assert odb.startswith(MAGIC) and odb == odb_bytes("beam", 64 * 1024) and len(odb) == 64 * 1024


def test_each_sta_row_reads_back_as_progress(tmp_path):
    """Every prefix of the .sta (the file as a reader sees it grow) gives progress that never goes back."""
    assert run_sim(tmp_path, "cutbacks=2") == 0
    text = (tmp_path / "beam.sta").read_text()
    assert "1U" in text  # cut-back rows are there, and ignored
    steps = parse_steps(tmp_path / "beam.inp")
    fractions = [compute_progress(steps, parse_sta(text[:cut])).overall_fraction
                 for cut in range(len(text) + 1)]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and 0.0 < fractions[len(fractions) // 2] < 1.0


def test_model_failure(tmp_path):
    assert run_sim(tmp_path, "fail=model") == 1
    outcome = decide_outcome(tmp_path, "beam", 1)
    assert (outcome.result, outcome.error_class) == (Result.FAILED, ErrorClass.MODEL)
    assert outcome.error_message == "***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT"
    assert parse_sta((tmp_path / "beam.sta").read_text()).completed is False
    assert "5U" in (tmp_path / "beam.sta").read_text()
    assert 0.0 < progress(tmp_path).overall_fraction < 1.0
    assert (tmp_path / "beam.log").read_text().rstrip().endswith("Abaqus/Analysis exited with errors")
    assert not (tmp_path / "beam.lck").exists()


def test_license_failure(tmp_path):
    assert run_sim(tmp_path, "fail=license") == 1
    outcome = decide_outcome(tmp_path, "beam", 1)
    assert (outcome.result, outcome.error_class) == (Result.FAILED, ErrorClass.LICENSE)
    assert outcome.error_message == "Abaqus Error: Error checking out Abaqus license."
    assert not (tmp_path / "beam.sta").exists() and not (tmp_path / "beam.odb").exists()
    assert progress(tmp_path).waiting_for_license is False


def test_system_failure_leaves_a_stale_lock(tmp_path):
    assert run_sim(tmp_path, "fail=system") == 1
    outcome = decide_outcome(tmp_path, "beam", 1)
    assert (outcome.result, outcome.error_class) == (Result.FAILED, ErrorClass.SYSTEM)
    assert "aborted with system error code 1073741819" in outcome.error_message
    assert parse_sta((tmp_path / "beam.sta").read_text()).completed is None
    assert (tmp_path / "beam.lck").exists()
    # ...and the stale lock blocks the next run until someone removes it.
    assert run_sim(tmp_path) == 1
    assert "beam.lck exists" in (tmp_path / "beam.log").read_text()


def test_exit_code_override_after_success(tmp_path):
    assert run_sim(tmp_path, "exit_code=3") == 3
    outcome = decide_outcome(tmp_path, "beam", 3)
    assert outcome.result is Result.COMPLETED
    assert outcome.warnings == ("launcher exited with code 3 after the analysis completed",)


def test_licence_queue_is_visible_while_it_waits(tmp_path):
    (tmp_path / "beam.inp").write_text(MODEL.format(options="queue=1.5"), encoding="utf-8")
    with open(tmp_path / "beam.log", "ab") as log:
        process = subprocess.Popen(sim_command(ARGS), cwd=tmp_path, env=sim_env(), stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "queued" in (tmp_path / "beam.log").read_text())
        assert progress(tmp_path).waiting_for_license is True
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
    assert progress(tmp_path).waiting_for_license is False
    assert decide_outcome(tmp_path, "beam", 0).result is Result.COMPLETED


def test_explicit_model_writes_an_explicit_sta(tmp_path):
    model = ("** abaqus-sim: seconds=0.1 increments=3 {options}\n"
             "*Step\n*Dynamic, Explicit\n, 0.004\n*End Step\n")
    assert run_sim(tmp_path, model=model) == 0
    sta = parse_sta((tmp_path / "beam.sta").read_text())
    assert (sta.solver, sta.step, sta.increment, sta.completed) == ("explicit", 1, 300, True)
    assert sta.step_time == pytest.approx(0.004)
    assert "Abaqus/Explicit checked out" in (tmp_path / "beam.log").read_text()


def test_old_files_without_ask_delete_off_and_stdin_closed_exit(tmp_path):
    (tmp_path / "beam.odb").write_bytes(b"old results")
    assert run_sim(tmp_path, args=["job=beam", "interactive"]) == 1
    assert "Old job files exist. Overwrite? (y/n):" in (tmp_path / "beam.log").read_text()
    assert (tmp_path / "beam.odb").read_bytes() == b"old results"


def test_old_files_without_ask_delete_off_block_on_stdin(tmp_path):
    (tmp_path / "beam.inp").write_text(MODEL.format(options=""), encoding="utf-8")
    (tmp_path / "beam.sta").write_text("old status\n")
    process = subprocess.Popen(sim_command(["job=beam", "interactive"]), cwd=tmp_path, env=sim_env(),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        seen = b""
        while b"Overwrite? (y/n):" not in seen:
            chunk = os.read(process.stdout.fileno(), 1024)
            assert chunk, "the simulator exited instead of asking"
            seen += chunk
        assert process.poll() is None  # it waits for an answer: this is how a real Abaqus job hangs
        out, _ = process.communicate(b"y\n", timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0 and b"Abaqus JOB beam COMPLETED" in out
    assert parse_sta((tmp_path / "beam.sta").read_text()).completed is True


def test_ask_delete_off_removes_old_files(tmp_path):
    (tmp_path / "beam.msg").write_text(" ***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT\n")
    assert run_sim(tmp_path) == 0
    assert decide_outcome(tmp_path, "beam", 0).warnings == ()
    assert "TOO MANY ATTEMPTS" not in (tmp_path / "beam.msg").read_text()


def test_background_mode_runs_nothing(tmp_path):
    assert run_sim(tmp_path, args=["job=beam", "ask_delete=OFF"]) == 0
    assert "submitted in background" in (tmp_path / "beam.log").read_text()
    assert not (tmp_path / "beam.sta").exists()


@pytest.mark.parametrize("args", [["job=beam", "interactive", "colour=red"], ["interactive"],
                                  ["job=be am", "interactive"], ["job=beam", "cpus=0", "interactive"],
                                  ["job=beam", "oldjob=BEAM", "interactive"], ["job=nothere", "interactive"]])
def test_bad_command_lines_exit_1(tmp_path, args):
    assert run_sim(tmp_path, args=args) == 1
    assert "Abaqus Error:" in (tmp_path / "beam.log").read_text()
    assert not (tmp_path / "beam.sta").exists()


def test_a_bad_sim_option_exits_1(tmp_path):
    assert run_sim(tmp_path, "fail=sometimes") == 1
    assert "fail=sometimes" in (tmp_path / "beam.log").read_text()


@pytest.mark.skipif(os.name == "nt", reason="SIGTERM is TerminateProcess on Windows")
def test_sigterm_stops_the_run(tmp_path):
    slow = MODEL.format(options="").replace("seconds=0.2 increments=4", "seconds=30 increments=100")
    (tmp_path / "beam.inp").write_text(slow, encoding="utf-8")
    with open(tmp_path / "beam.log", "ab") as log:
        process = subprocess.Popen(sim_command(ARGS), cwd=tmp_path, env=sim_env(), stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: parse_sta(_text(tmp_path / "beam.sta")).increment >= 1)
        assert (tmp_path / "beam.lck").exists()
        running = progress(tmp_path)
        assert 0.0 < running.overall_fraction < 1.0
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 1
        assert time.monotonic() - started < 2.0
    finally:
        process.kill()
    assert parse_sta((tmp_path / "beam.sta").read_text()).completed is False
    assert not (tmp_path / "beam.lck").exists()
    assert decide_outcome(tmp_path, "beam", 1).result is Result.FAILED


def _start_slow(job_dir: Path, options: str = "") -> subprocess.Popen:
    slow = MODEL.format(options=options).replace("seconds=0.2 increments=4", "seconds=30 increments=100")
    (job_dir / "beam.inp").write_text(slow, encoding="utf-8")
    with open(job_dir / "beam.log", "ab") as log:
        process = subprocess.Popen(sim_command(ARGS), cwd=job_dir, env=sim_env(), stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT)
    wait_for(lambda: parse_sta(_text(job_dir / "beam.sta")).increment >= 1)
    return process


def _solver(job_dir: Path) -> psutil.Process:
    return psutil.Process(int((job_dir / "beam.cid").read_text()))


def test_the_solver_is_a_child_named_like_abaqus_and_terminate_stops_it(tmp_path):
    launcher = _start_slow(tmp_path)
    try:
        solver = _solver(tmp_path)
        assert solver.ppid() == launcher.pid
        if sys.platform.startswith("linux"):
            assert solver.name() == "standard"
        done = subprocess.run(sim_command(["terminate", "job=beam"]), cwd=tmp_path, env=sim_env(),
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stdout
        assert launcher.wait(timeout=5) == 1
    finally:
        launcher.kill()
    assert parse_sta((tmp_path / "beam.sta").read_text()).completed is False
    assert not (tmp_path / "beam.lck").exists() and not (tmp_path / "beam.cid").exists()
    assert decide_outcome(tmp_path, "beam", 1).result is Result.FAILED


def test_terminate_without_a_running_job_exits_1(tmp_path):
    done = subprocess.run(sim_command(["terminate", "job=beam"]), cwd=tmp_path, env=sim_env(),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "not running" in done.stdout


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_stubborn_solver_outlives_its_killed_launcher_and_ignores_terminate(tmp_path):
    launcher = _start_slow(tmp_path, "stubborn=1")
    solver = _solver(tmp_path)
    try:
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(timeout=5)
        subprocess.run(sim_command(["terminate", "job=beam"]), cwd=tmp_path, env=sim_env(), timeout=30)
        before = parse_sta(_text(tmp_path / "beam.sta")).increment
        wait_for(lambda: parse_sta(_text(tmp_path / "beam.sta")).increment > before)
        assert solver.is_running() and solver.cwd() == str(tmp_path)
    finally:
        solver.kill()
        solver.wait(5)


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


# The pieces, in-process.

def test_command_line_keys_are_case_insensitive_in_any_order():
    command = parse_command(["ASK_DELETE=off", "Interactive", "CPUS=8", "Input=model", "JOB=Beam-1",
                             "memory=90%", "scratch=D:/tmp", "double=both", "user=umat.for", "gpus=1"])
    assert (command.job, command.input_file, command.cpus, command.interactive, command.ask_delete) == (
        "Beam-1", "model.inp", 8, True, False)
    assert parse_command(["job=a"]).input_file == "a.inp"
    with pytest.raises(UsageError):
        parse_command(["job=a", "ask_delete=maybe"])


def test_options_defaults_and_errors():
    assert options_from({}) == SimOptions(seconds=2.0, increments=5, odb_kb=64)
    assert options_from({"seconds": "0.5", "exit_code": "-1"}).exit_code == -1
    for bad in ({"increments": "0"}, {"seconds": "nan"}, {"speed": "1"}, {"odb_kb": "big"}):
        with pytest.raises(OptionError):
            options_from(bad)


def test_plan_spreads_increments_over_timed_steps():
    rows = plan_rows([Step("static", 2.0), Step("frequency", None), Step("static", 1.0)], 4)
    assert [(r.step, r.increment) for r in rows if r.last_in_step] == [(1, 4), (2, 1), (3, 4)]
    assert rows[-1].total_time == pytest.approx(3.0) and rows[3].step_time == pytest.approx(2.0)
    attempts = failing_attempts(rows[1])
    assert [a.attempt for a in attempts] == [1, 2, 3, 4, 5] and all(a.cut_back for a in attempts)
    assert attempts[0].step_time == pytest.approx(rows[1].step_time)


def test_odb_bytes_are_deterministic_and_sliceable():
    whole = odb_bytes("beam", 200_000)
    assert len(whole) == 200_000 and whole == odb_bytes("beam", 200_000)
    assert odb_bytes("beam", 200_000, 70_000, 140_000) == whole[70_000:140_000]
    assert odb_bytes("other", 200_000) != whole


def test_pacer_spreads_ticks_and_stops_when_asked():
    now = [0.0]
    stop = [False]
    pacer = Pacer(lambda: stop[0], clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    pacer.set_pace(2.0, 4)
    pacer.tick()
    pacer.tick()
    assert now[0] == pytest.approx(1.0)
    stop[0] = True
    with pytest.raises(Terminated):
        pacer.tick()
