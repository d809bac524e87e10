"""The agent's small pieces: the Abaqus command line, abaqus_v6.env, which files come back, and
which old work directories go."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from node_agent import abaqus_env, log_tail, results
from node_agent.agent import remove_old_dirs
from node_agent.config import ConfigError, from_mapping
from node_agent.solver import command_line
from scheduler.domain.job_log import Level, level_of


def test_the_command_line_carries_the_options_asked_for_and_nothing_unsafe():
    args = command_line(("C:\\SIMULIA\\Commands\\abaqus.bat",), "beam", "beam.inp", 8, memory="16gb",
                        double="both", user="umat.for", oldjob="beam0", scratch="D:\\scratch")
    assert args == ["C:\\SIMULIA\\Commands\\abaqus.bat", "job=beam", "input=beam.inp", "cpus=8", "memory=16gb",
                    "double=both", "user=umat.for", "oldjob=beam0", "scratch=D:\\scratch", "interactive",
                    "ask_delete=OFF"]
    assert command_line(("abaqus",), "beam", "beam.inp", 1)[-2:] == ["interactive", "ask_delete=OFF"]
    for bad in ({"user": "a&b.for"}, {"memory": "16 gb"}, {"scratch": "D:\\my scratch"}, {"oldjob": "x|y"}):
        with pytest.raises(ValueError, match="unsafe"):
            command_line(("abaqus",), "beam", "beam.inp", 1, **bad)


def test_abaqus_v6_env_holds_the_license_and_queue_settings_after_the_jobs_own(tmp_path):
    config = from_mapping({"license_server": "27000@lic01.example.com", "license_queue_minutes": 30,
                           "abaqus_env": {"memory": "90%"}})
    (tmp_path / "abaqus_v6.env").write_text("ask_delete=OFF")
    text = abaqus_env.write(config, tmp_path).read_text()
    lines = text.splitlines()
    assert lines[0] == "ask_delete=OFF"  # the job's own settings stay, ours come after and win
    assert "abaquslm_license_file='27000@lic01.example.com'" in lines
    assert "lmhanglimit=30" in lines and "lmlicensequeuing=True" in lines and "memory='90%'" in lines
    compile(text, "abaqus_v6.env", "exec")  # the file is Python
    dsls = abaqus_env.settings(from_mapping({"license_server_type": "DSLS",
                                             "dsls_license_config": "C:\\DSLS\\DSLicSrv.txt"}))
    assert dsls == {"license_server_type": "DSLS", "dsls_license_config": "C:\\DSLS\\DSLicSrv.txt"}


def test_bad_agent_settings_are_refused():
    for raw, said in (({"scratch_dir": "D:\\my scratch"}, "scratch_dir"), ({"abaqus_env": {"a b": 1}}, "abaqus_env"),
                      ({"license_server_type": "RLM"}, "license_server_type")):
        with pytest.raises(ConfigError, match=said):
            from_mapping(raw)


def test_results_are_the_expected_files_the_jobs_patterns_and_asked_restart_files(tmp_path):
    for name in ("beam.odb", "beam.dat", "beam.sta", "beam.lck", "beam.cid", "beam.res", "beam.mdl", "beam.fil",
                 "forces.csv", "beam.inp"):
        (tmp_path / name).write_text("x")
    wanted = results.Wanted("beam", (".odb", ".dat", ".msg", ".sta", ".log"), ("*.csv", "beam.*"), True)
    chosen, missing = results.select(tmp_path, wanted)
    assert [p.name for p in chosen] == ["beam.dat", "beam.fil", "beam.inp", "beam.mdl", "beam.odb", "beam.res",
                                        "beam.sta", "forces.csv"]  # never the lock or the .cid
    assert missing == ["beam.msg", "beam.log"]
    plain, _ = results.select(tmp_path, results.Wanted("beam", (".odb",)))
    assert [p.name for p in plain] == ["beam.odb"]


def test_old_work_directories_go_but_not_those_in_use(tmp_path):
    a, b, c = ("a" * 32, "b" * 32, "c" * 32)
    old, recent, running = (tmp_path / n for n in (f"{a}-1", f"{b}-1", f"{c}-12"))
    for d in (old, recent, running):
        d.mkdir()
        (d / "beam.odb").write_text("x")
    (tmp_path / "agent-state.json").write_text("{}")
    for d in (old, running):
        os.utime(d, (1000.0, 1000.0))
    removed = remove_old_dirs(tmp_path, {f"{c}-12"}, keep_s=3600, now=1000.0 + 7200)
    assert removed == [old] and not old.exists() and recent.exists() and running.exists()
    assert (tmp_path / "agent-state.json").exists()
    assert isinstance(removed[0], Path)


def test_only_attempt_directories_are_cleaned_up_never_an_operators_own(tmp_path):
    """An operator's directories in the work directory stay, however old: only `<job id>-<attempt>`
    (32 lower-case hex digits, a positive attempt) is the agent's."""
    job = "3f2c" * 8
    names = ["scratch", "a-1", "old-results", f"{job}-0", f"{job}-x", f"{job.upper()}-1", f"{job}0-1",
             f"{job}-1-backup", f"{job}-2"]
    for name in names:
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (1000.0, 1000.0))
    (tmp_path / f"{job}-3").write_text("a file, not a directory")
    os.utime(tmp_path / f"{job}-3", (1000.0, 1000.0))
    removed = remove_old_dirs(tmp_path, set(), keep_s=3600, now=1000.0 + 7200)
    assert removed == [tmp_path / f"{job}-2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[:-1], f"{job}-3"])


def test_new_log_lines_are_whole_lines_from_the_last_offset(tmp_path):
    log = tmp_path / "beam.log"
    log.write_bytes(b"Abaqus JOB beam\r\nAbaqus Version 2024\r\nBegin Anal")
    lines, offset = log_tail.new_lines(log, 0)
    assert lines == ["Abaqus JOB beam", "Abaqus Version 2024"]  # the line being written waits
    with open(log, "ab") as f:
        f.write(b"ysis Input File Processor\n")
    assert log_tail.new_lines(log, offset) == (["Begin Analysis Input File Processor"], log.stat().st_size)
    assert log_tail.new_lines(log, log.stat().st_size) == ([], log.stat().st_size)
    log.write_bytes(b"new run\n")  # a shorter file: written again from the start
    assert log_tail.new_lines(log, offset) == (["new run"], 8)
    log.write_bytes(b"x\n" * 3000)
    lines, offset = log_tail.new_lines(log, 0)
    assert len(lines) == log_tail.MAX_LINES and offset == 2 * log_tail.MAX_LINES
    assert log_tail.new_lines(tmp_path / "missing.log", 5) == ([], 5)


@pytest.mark.parametrize(("text", "level"), [
    ("Abaqus/Standard checked out 16 tokens from Flexnet server lic01.", Level.INFO),
    ("Abaqus Error: Error checking out Abaqus license.", Level.ERROR),
    ("Abaqus/Analysis exited with errors", Level.ERROR),
    (" ***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT", Level.ERROR),
    (" ***WARNING: THE STRAIN INCREMENT HAS EXCEEDED FIFTY TIMES", Level.WARNING),
])
def test_log_lines_are_levelled_as_abaqus_means_them(text, level):
    assert level_of(text) is level
