"""One Abaqus job end to end: submit, watch it run on an agent, download its results."""

from __future__ import annotations

import threading

from client import JobState
from node_agent.sim.odb import odb_bytes
from tests.integration.models import beam
from tests.integration.test_stopping import wait_until


def test_job_goes_waiting_starting_running_completed_and_results_match_byte_for_byte(cluster, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=2, increments=5)
    updates = []
    with cluster.client() as client:
        job = client.submit(model, cpus=2, files=extra)
        assert job.state is JobState.WAITING  # no agent yet: it waits
        watching = threading.Thread(target=lambda: client.wait(job.id, on_update=updates.append))
        watching.start()
        cluster.add_agent("node-1", cpus=4)
        watching.join(60)
        assert not watching.is_alive()
        final = client.get(job.id)
        paths = client.download_results(job.id, tmp_path / "results")
        log = client.job_log(job.id)

    states = [u.state for u in updates]
    assert [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]] == [
        JobState.WAITING, JobState.STARTING, JobState.RUNNING, JobState.COMPLETED]
    fractions = [u.progress.overall_fraction for u in updates if u.state is JobState.RUNNING]
    assert any(0 < f < 1 for f in fractions), fractions
    assert fractions == sorted(fractions)
    running = [u.progress for u in updates if u.state is JobState.RUNNING and u.progress]
    assert any(p.memory_bytes > 0 for p in running)  # the solver's processes, sampled
    assert any(p.estimated_seconds_left for p in running)
    assert final.state is JobState.COMPLETED and final.attempt == 1 and final.node == "node-1"
    # the agent reads the .sta once more after the solver exits: the job ends at its real last increment
    assert (final.progress.step, final.progress.total_steps, final.progress.step_fraction) == (2, 2, 1.0)
    assert {f.name for f in final.result_files} == {f"beam{e}" for e in (".odb", ".dat", ".msg", ".sta", ".log")}

    # what the solver printed, line for line, in the job's log, among the scheduler's decisions
    assert [line.seq for line in log] == list(range(1, len(log) + 1))
    solver = [line for line in log if line.source == "solver"]
    assert solver[-1].text == "Abaqus JOB beam COMPLETED" and {line.attempt for line in solver} == {1}
    assert any("checked out" in line.text for line in solver)
    assert [line.text for line in solver] == (tmp_path / "results" / "beam.log").read_text().splitlines()
    decided = [(line.level, line.text) for line in log if line.source == "scheduler"]
    assert [text.split(":")[0] for _, text in decided] == [
        "created by ana", "queued", "assigned to node-1 (attempt 1)", "the solver started on node-1",
        "the solver ended on node-1", "completed"]
    assert log[-1].source == "scheduler" and log[-1].text == "completed: 5 result files collected"
    agent = [line.text for line in log if line.source == "agent"]
    assert agent[0].startswith("inputs in: 2 file(s)") and agent[1].startswith("solver started on node-1 (pid ")

    downloaded = tmp_path / "results" / "beam.odb"
    assert downloaded in paths
    assert downloaded.read_bytes() == odb_bytes("beam", 64 * 1024)  # what the solver wrote, byte for byte
    job_dir = cluster.workdir / "node-1" / f"{job.id}-1"
    wait_until(lambda: not job_dir.exists(), what="a success leaving no work directory")


def test_a_job_whose_paths_would_pass_abaqus_limit_fails_clearly_without_running(cluster, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=1, increments=1)
    deep = cluster.workdir / ("d" * 120) / ("e" * 120)
    cluster.add_agent("node-1", cpus=4, work_dir=deep)
    with cluster.client() as client:
        job = client.wait(client.submit(model, cpus=1, files=extra).id)
    assert job.state is JobState.FAILED
    assert "Abaqus allows 256" in job.error_message and "work_dir" in job.error_message
    # nothing was downloaded or run (the agent's own state file aside)
    assert not deep.exists() or not [p for p in deep.iterdir() if not p.name.startswith("agent-state")]
