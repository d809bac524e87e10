"""The `abaqueue` command against the fake scheduler of test_client_models: exit codes and output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_submission import FakeScheduler, closed_port, serve

from abaqueue.v1 import job_pb2
from client.cli import main

S = job_pb2.JobState


@pytest.fixture
def fake() -> Iterator[FakeScheduler]:
    with serve() as scheduler:
        yield scheduler


def run(capsys: pytest.CaptureFixture[str], fake: FakeScheduler, *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `abaqueue --scheduler <fake> ARGV...`."""
    code = main(["--scheduler", fake.address, "--timeout", "5", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "beam.inp"
    path.write_text("*HEADING\nbeam\n")
    return path


def test_submit_uploads_and_prints_only_the_job_id(capsys: pytest.CaptureFixture[str], fake: FakeScheduler,
                                                   model: Path) -> None:
    include = model.with_name("mesh.inc")
    include.write_text("*NODE\n")

    code, out, _ = run(capsys, fake, "submit", str(model), "--cpus", "8", "--file", str(include),
                       "--name", "b1")

    job = fake.jobs[out.strip()]
    assert code == 0
    assert (job.name, job.cpus, job.state) == ("b1", 8, S.JOB_STATE_WAITING)
    assert fake.blobs.blobs[f"/in/{job.id}/mesh.inc"] == b"*NODE\n"


@pytest.mark.parametrize(("final", "code"), [(S.JOB_STATE_COMPLETED, 0), (S.JOB_STATE_FAILED, 1)])
def test_submit_wait_follows_the_job_and_exits_by_its_outcome(
        capsys: pytest.CaptureFixture[str], fake: FakeScheduler, model: Path, final: int, code: int) -> None:
    failed = final == S.JOB_STATE_FAILED
    fake.plan = [
        job_pb2.Job(state=S.JOB_STATE_RUNNING,
                    progress=job_pb2.Progress(step=1, total_steps=2, increment=7, overall_fraction=0.4)),
        job_pb2.Job(state=final, error_message="license checkout failed" if failed else "",
                    error_class=job_pb2.ERROR_CLASS_LICENSE if failed else 0),
    ]

    got, out, err = run(capsys, fake, "submit", str(model), "--cpus", "2", "--wait")

    assert got == code
    assert out.strip() in fake.jobs
    if failed:
        assert f"job {out.strip()} FAILED (license error): license checkout failed" in err
    else:
        assert "error" not in err.lower()


def test_wait_exits_1_and_names_missing_files(capsys: pytest.CaptureFixture[str],
                                              fake: FakeScheduler) -> None:
    job = fake.add_job(S.JOB_STATE_RUNNING)
    fake.plan = [job_pb2.Job(state=S.JOB_STATE_MISSING, error_message="result files did not arrive",
                             missing_files=["beam.odb"])]
    code, _, err = run(capsys, fake, "wait", job.id)
    assert code == 1
    assert "MISSING: result files did not arrive; missing: beam.odb" in err


def test_server_error_is_one_line_on_stderr_with_exit_2(capsys: pytest.CaptureFixture[str],
                                                        fake: FakeScheduler) -> None:
    code, out, err = run(capsys, fake, "jobs", "get", "nope")
    assert (code, out, err) == (2, "", "error: job nope not found\n")


def test_unreachable_scheduler_and_missing_model_are_clear_errors(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    address = f"127.0.0.1:{closed_port()}"
    assert main(["--scheduler", address, "--retries", "0", "jobs", "list"]) == 2
    assert capsys.readouterr().err.startswith(f"error: scheduler {address}: ")

    assert main(["--scheduler", address, "--retries", "0", "submit", str(tmp_path / "none.inp"), "--cpus", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No such file or directory") and "none.inp" in err
    assert "Traceback" not in err


def test_the_token_comes_from_the_flag_or_the_environment(capsys: pytest.CaptureFixture[str], fake: FakeScheduler,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ABAQUEUE_TOKEN", raising=False)
    (tmp_path / "mine.token").write_text("abq_from_file\n")
    assert main(["--scheduler", fake.address, "--token-file", str(tmp_path / "mine.token"), "jobs", "list"]) == 0
    assert fake.authorization == "Bearer abq_from_file"
    monkeypatch.setenv("ABAQUEUE_TOKEN_FILE", str(tmp_path / "mine.token"))
    assert main(["--scheduler", fake.address, "jobs", "list"]) == 0
    assert fake.authorization == "Bearer abq_from_file"
    monkeypatch.setenv("ABAQUEUE_TOKEN", "abq_from_env")  # beats the file named in the environment
    assert main(["--scheduler", fake.address, "jobs", "list"]) == 0
    assert fake.authorization == "Bearer abq_from_env"
    capsys.readouterr()
    assert main(["--scheduler", fake.address, "--token-file", str(tmp_path / "none.token"), "jobs", "list"]) == 2
    assert "cannot read the token file" in capsys.readouterr().err


def test_usage_errors_exit_2_without_calling(capsys: pytest.CaptureFixture[str], fake: FakeScheduler) -> None:
    assert main(["--scheduler", fake.address, "submit", "beam.inp"]) == 2  # no --cpus
    assert main(["--scheduler", fake.address, "jobs", "list", "--state", "sleeping"]) == 2
    assert "unknown state 'sleeping'" in capsys.readouterr().err
    assert fake.created == [] and fake.page_tokens == []


def test_scheduler_address_comes_from_the_environment(capsys: pytest.CaptureFixture[str], fake: FakeScheduler,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    job = fake.add_job(S.JOB_STATE_RUNNING)
    monkeypatch.setenv("ABAQUEUE_SCHEDULER", fake.address)
    assert main(["jobs", "get", job.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == job.id


def test_jobs_list_json_filters_states_across_pages(capsys: pytest.CaptureFixture[str],
                                                    fake: FakeScheduler) -> None:
    running = [fake.add_job(S.JOB_STATE_RUNNING) for _ in range(3)]
    fake.add_job(S.JOB_STATE_WAITING)
    fake.add_job(S.JOB_STATE_COMPLETED)

    code, out, _ = run(capsys, fake, "jobs", "list", "--state", "running", "Waiting", "--json")

    assert code == 0
    listed = json.loads(out)
    assert [j["state"] for j in listed] == ["WAITING", "RUNNING", "RUNNING", "RUNNING"]
    assert {j["id"] for j in listed} >= {j.id for j in running}


def test_jobs_list_table_shows_the_columns(capsys: pytest.CaptureFixture[str], fake: FakeScheduler) -> None:
    job = fake.add_job(S.JOB_STATE_RUNNING, name="plate", node="win-07", cpus=16,
                       progress=job_pb2.Progress(overall_fraction=0.42))
    code, out, _ = run(capsys, fake, "jobs", "list")
    assert code == 0
    header, row = out.splitlines()[:2]
    assert header.split() == ["ID", "NAME", "STATE", "CPUS", "NODE", "PROGRESS", "OWNER", "CREATED"]
    assert row.split()[:7] == [job.id, "plate", "RUNNING", "16", "win-07", "42%", "ana"]


def test_jobs_get_shows_reasons_files_and_error(capsys: pytest.CaptureFixture[str],
                                                fake: FakeScheduler) -> None:
    job = fake.add_job(S.JOB_STATE_FAILED, name="beam", input_file="beam.inp",
                       input_files=[job_pb2.FileInfo(name="beam.inp", size_bytes=1234, sha256="c" * 64)],
                       wait_reasons=[job_pb2.WaitReason(code="license_tokens", message="license [cae] busy")],
                       error_message="*** ERROR: bad [mesh]",
                       error_class=job_pb2.ERROR_CLASS_MODEL)
    code, out, _ = run(capsys, fake, "jobs", "get", job.id)
    assert code == 0
    shown = (job.id, "FAILED", "license [cae] busy", "[model] *** ERROR: bad [mesh]", "beam.inp *", "1,234")
    assert [text for text in shown if text not in out] == []


def test_jobs_get_shows_how_the_state_moved(capsys: pytest.CaptureFixture[str], fake: FakeScheduler) -> None:
    moves = [(S.JOB_STATE_BLOCKED, 0, ""), (S.JOB_STATE_WAITING, 0, ""), (S.JOB_STATE_STARTING, 1, "win-07"),
             (S.JOB_STATE_RUNNING, 1, "win-07"), (S.JOB_STATE_WAITING, 1, ""), (S.JOB_STATE_STARTING, 2, "win-03")]
    history = []
    for i, (state, attempt, node) in enumerate(moves):
        change = job_pb2.StateChange(state=state, attempt=attempt, node=node)
        change.time.FromSeconds(1_780_000_000 + 75 * i)
        history.append(change)
    job = fake.add_job(S.JOB_STATE_STARTING, node="win-03", state_history=history)
    code, out, _ = run(capsys, fake, "jobs", "get", job.id)
    assert code == 0
    table = out[out.index("state history"):].splitlines()[1:]
    assert table[0].split() == ["TIME", "STATE", "ATTEMPT", "NODE"]
    assert [row.split()[2:] for row in table[1:7]] == [
        ["BLOCKED", "-", "-"], ["WAITING", "-", "-"], ["STARTING", "1", "win-07"], ["RUNNING", "1", "win-07"],
        ["WAITING", "1", "-"], ["STARTING", "2", "win-03"]]
    assert table[2].split()[1].count(":") == 2  # to the second: the moves of one minute stay apart


def test_jobs_cancel(capsys: pytest.CaptureFixture[str], fake: FakeScheduler) -> None:
    job = fake.add_job(S.JOB_STATE_WAITING)
    code, out, _ = run(capsys, fake, "jobs", "cancel", job.id)
    assert (code, out.split()) == (0, [job.id, "CANCELLED"])
    assert fake.jobs[job.id].state == S.JOB_STATE_CANCELLED


def test_results_downloads_only_the_asked_suffixes(capsys: pytest.CaptureFixture[str], fake: FakeScheduler,
                                                   tmp_path: Path) -> None:
    job = fake.add_job(S.JOB_STATE_COMPLETED, results={"b.odb": b"odb", "b.dat": b"dat", "b.sta": b"sta"})
    code, out, _ = run(capsys, fake, "results", job.id, "--dest", str(tmp_path), "--only", ".odb,.dat")
    assert code == 0
    assert out.split() == [str(tmp_path / "b.odb"), str(tmp_path / "b.dat")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.dat", "b.odb"]

    code, _, err = run(capsys, fake, "results", job.id, "--dest", str(tmp_path), "--only", ".fil")
    assert (code, err.strip()) == (1, f"job {job.id} has no result files ending in .fil")


def test_results_with_a_corrupted_file_fail_with_exit_2(capsys: pytest.CaptureFixture[str],
                                                        fake: FakeScheduler, tmp_path: Path) -> None:
    job = fake.add_job(S.JOB_STATE_COMPLETED, results={"b.odb": b"good"})
    fake.blobs.blobs[f"/out/{job.id}/b.odb"] = b"evil"
    code, out, err = run(capsys, fake, "results", job.id, "--dest", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith("error: b.odb arrived damaged") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_help_explains_tokens_roles_and_tls(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for words in ("bearer token", "admin tokens create", "developer, guest", "lead", "node", "--ca-file PEM"):
        assert words in out


def test_every_command_has_help_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from client.cli import build_parser

    def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    nested = any(isinstance(a, argparse._SubParsersAction) for a in sub._actions)
                    yield from leaves(sub, (*path, name)) if nested else [(*path, name)]

    commands = list(leaves(build_parser()))
    assert len(commands) > 20
    for command in commands:
        assert main([*command, "--help"]) == 0
        out = capsys.readouterr().out
        assert "examples:" in out and f"abaqueue {' '.join(command)}" in out, command
