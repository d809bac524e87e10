"""Each kind of solver run the agent must read, through a full job: how it ends, with which error
class and text, and the progress reported on the way."""

from __future__ import annotations

import threading

import pytest

from client import ErrorClass, JobState
from client.cli import main as cli_main
from scheduler.domain.retries import RetryRules
from tests.integration.models import beam
from tests.integration.test_stopping import wait_until
from tests.unit.test_inspect import EXPLICIT

ONE_ATTEMPT = RetryRules(max_attempts=1, max_license_requeues=0)
QUICK_RETRIES = RetryRules(max_attempts=2, backoff_base_s=0.05, backoff_cap_s=0.2, max_license_requeues=1)


@pytest.mark.parametrize(("sim", "state", "error_class", "text"), [
    ({"cutbacks": 2}, JobState.COMPLETED, None, ""),
    ({"exit_code": 1}, JobState.COMPLETED, None, ""),  # the launcher lies after a success
    ({"fail": "license", "queue": 0.3}, JobState.FAILED, ErrorClass.LICENSE, "license"),
    ({"fail": "model"}, JobState.FAILED, ErrorClass.MODEL, "TOO MANY ATTEMPTS"),
    ({"fail": "model", "error": "min_increment"}, JobState.FAILED, ErrorClass.MODEL, "less than the minimum"),
    ({"fail": "model", "error": "too_many_increments"}, JobState.FAILED, ErrorClass.MODEL, "Too many increments"),
    ({"fail": "model", "error": "preprocessor"}, JobState.FAILED, ErrorClass.MODEL, "misspelled"),
    ({"fail": "model", "error": "compile"}, JobState.FAILED, ErrorClass.MODEL, "Problem during compilation"),
    ({"fail": "model", "error": "link"}, JobState.FAILED, ErrorClass.MODEL, "Problem during linking"),
    ({"fail": "system"}, JobState.FAILED, ErrorClass.SYSTEM, "1073741819"),
])
@pytest.mark.parametrize("cluster", [{"retry_rules": ONE_ATTEMPT}], indirect=True)  # the first outcome stands
def test_standard_runs_end_as_their_files_say(cluster, tmp_path, sim, state, error_class, text):
    model, extra = beam(tmp_path / "model", seconds=0.5, increments=6, **sim)
    cluster.add_agent("node-1", cpus=4)
    with cluster.client() as client:
        job = client.wait(client.submit(model, cpus=2, files=extra).id)
    assert job.state is state, job.error_message
    assert job.error_class is error_class
    assert text.lower() in job.error_message.lower()


@pytest.mark.parametrize("options", ["clock=cpu mass_scaling=1", ""])
def test_explicit_runs_report_progress_and_complete(cluster, tmp_path, options):
    model = tmp_path / "crash.inp"
    model.write_text(EXPLICIT.format(seconds=1.5, increments=10, options=options))
    cluster.add_agent("node-1", cpus=4)
    updates = []
    with cluster.client() as client:
        job = client.wait(client.submit(model, cpus=2).id, on_update=updates.append)
    assert job.state is JobState.COMPLETED, job.error_message
    fractions = [u.progress.overall_fraction for u in updates if u.state is JobState.RUNNING and u.progress]
    assert any(0 < f < 1 for f in fractions) and job.progress.overall_fraction == 1.0


def test_waiting_in_the_license_queue_shows_in_the_progress_then_runs(cluster, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=1, increments=5, queue=1.5)
    cluster.add_agent("node-1", cpus=4)
    updates = []
    with cluster.client() as client:
        job = client.submit(model, cpus=2, files=extra)
        watching = threading.Thread(target=lambda: client.wait(job.id, on_update=updates.append))
        watching.start()
        watching.join(60)
        final = client.get(job.id)
    waiting = [u.progress.waiting_for_license for u in updates if u.state is JobState.RUNNING and u.progress]
    assert True in waiting and waiting[-1] is False  # queued first, then checked out
    assert final.state is JobState.COMPLETED


def test_a_stalled_solver_gets_a_warning_on_the_job(cluster, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=40, increments=4)  # ten seconds an increment
    cluster.add_agent("node-1", cpus=4, stall_after_s=1.0)
    with cluster.client() as client:
        job = client.submit(model, cpus=2, files=extra)
        warned = wait_until(lambda: (p := client.get(job.id).progress) and p.warning, timeout=30,
                            what="a stall warning")
        client.cancel(job.id)
        client.wait(job.id)
    assert "no new increment" in warned and "may be stuck" in warned


def test_jobs_logs_prints_what_the_solver_printed_and_follows_it(cluster, tmp_path, capsys):
    model, extra = beam(tmp_path / "model", seconds=1.5, increments=6, fail="model")
    cluster.add_agent("node-1", cpus=4)
    token = tmp_path / "ana.token"
    token.write_text(cluster.token("ana"))
    with cluster.client() as client:
        job = client.submit(model, cpus=2, files=extra)
        code = cli_main(["--scheduler", cluster.submission, "--token-file", str(token), "jobs", "logs", job.id, "-f"])
        assert code == 0
        log = client.job_log(job.id)
    printed = capsys.readouterr().out.splitlines()
    solver = [line for line in log if line.source == "solver"]
    assert solver[0].text == "Abaqus JOB beam" and solver[-1].text == "Abaqus/Analysis exited with errors"
    assert printed == [str(line) for line in log]  # the scheduler's decisions marked as such
    assert printed[0].startswith("[scheduler] created by ana")
    assert printed[-1].startswith("[scheduler] failed (model error): ")
    assert solver[-1].level == "error" and solver[0].level == "info" and log[-1].level == "error"


@pytest.mark.parametrize(("sim", "error_class", "text", "used"), [
    ({"fail": "license", "queue": 0.2}, ErrorClass.LICENSE, "2 license failures", 0),  # no attempt used up
    ({"fail": "system"}, ErrorClass.SYSTEM, "2 of 2 attempts used", 2),
])
@pytest.mark.parametrize("cluster", [{"retry_rules": QUICK_RETRIES}], indirect=True)
def test_license_and_system_failures_are_retried_then_fail_with_their_history(cluster, tmp_path, sim, error_class,
                                                                            text, used):
    model, extra = beam(tmp_path / "model", seconds=0.3, increments=2, **sim)
    cluster.add_agent("node-1", cpus=4)
    with cluster.client() as client:
        job = client.wait(client.submit(model, cpus=2, files=extra).id)
    assert job.state is JobState.FAILED and job.error_class is error_class
    assert job.attempt == 2 and text in job.error_message and "attempt 1 on node-1" in job.error_message
    stored = cluster.server.store.get(job.id)
    assert [h.attempt for h in stored.history] == [1, 2] and stored.attempts_used == used


def test_a_model_error_is_not_retried(cluster, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=0.3, increments=2, fail="model")
    cluster.add_agent("node-1", cpus=4)
    with cluster.client() as client:
        job = client.wait(client.submit(model, cpus=2, files=extra).id)
    assert job.state is JobState.FAILED and job.error_class is ErrorClass.MODEL and job.attempt == 1
