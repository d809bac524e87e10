"""An agent restarted mid-job takes its jobs up again from its state file: a solver still running
is followed to its end, one that ended meanwhile is reported from its files. Nothing is dropped
and nothing is run twice."""

from __future__ import annotations

import json
import os

import psutil
import pytest

from client import JobState
from node_agent.local_state import FILE_NAME
from node_agent.sim.solver import read_cid
from tests.integration.models import beam
from tests.integration.test_stopping import increment, wait_until

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX process sessions")


def start_and_reach(cluster, client, tmp_path, increments_done: int = 2, **sim):
    model, extra = beam(tmp_path / "model", **sim)
    agent = cluster.add_agent("node-1", cpus=4)
    job = client.submit(model, cpus=2, files=extra)
    wait_until(lambda: client.get(job.id).state is JobState.RUNNING, what="RUNNING")
    job_dir = cluster.workdir / "node-1" / f"{job.id}-1"
    wait_until(lambda: increment(job_dir) >= increments_done, what="increments")
    return agent, job, job_dir


def test_a_solver_still_running_is_followed_again_and_the_job_completes(cluster, tmp_path):
    with cluster.client() as client:
        agent, job, job_dir = start_and_reach(cluster, client, tmp_path, seconds=6, increments=30)
        solver = psutil.Process(read_cid(job_dir / "beam.cid"))
        cluster.stop_agent(agent)
        state = json.loads((cluster.workdir / "node-1" / FILE_NAME).read_text())
        assert [(r["job_id"], r["attempt"], r["phase"]) for r in state["runs"]] == [(job.id, 1, "solving")]
        assert solver.is_running()  # the agent's stop leaves the analysis alone
        before = increment(job_dir)
        wait_until(lambda: increment(job_dir) > before, what="the solver going on while no agent runs")
        cluster.add_agent("node-1", cpus=4)
        final = client.wait(job.id)
    assert final.state is JobState.COMPLETED, final.error_message
    assert final.attempt == 1 and final.node == "node-1"
    assert final.progress.overall_fraction == 1.0
    assert {f.name for f in final.result_files} == {f"beam{e}" for e in (".odb", ".dat", ".msg", ".sta", ".log")}
    wait_until(lambda: not (cluster.workdir / "node-1" / FILE_NAME).exists(), what="every run settled")
    with cluster.client() as client:
        texts = [line.text for line in client.job_log(job.id) if line.source == "solver"]
    assert texts.count("Abaqus JOB beam") == 1 and texts[-1] == "Abaqus JOB beam COMPLETED"  # no line twice


def test_a_solver_that_ended_while_the_agent_was_down_is_reported_from_its_files(cluster, tmp_path):
    with cluster.client() as client:
        agent, job, job_dir = start_and_reach(cluster, client, tmp_path, increments_done=1, seconds=2,
                                              increments=10)
        cluster.stop_agent(agent)
        wait_until(lambda: not (job_dir / "beam.cid").exists(), what="the solver's end")
        cluster.add_agent("node-1", cpus=4)
        final = client.wait(job.id)
    assert final.state is JobState.COMPLETED, final.error_message
    assert final.attempt == 1
    assert "beam.odb" in {f.name for f in final.result_files}


def test_a_model_error_while_the_agent_was_down_is_reported_as_one(cluster, tmp_path):
    with cluster.client() as client:
        agent, job, job_dir = start_and_reach(cluster, client, tmp_path, increments_done=1, seconds=2,
                                              increments=10, fail="model")
        cluster.stop_agent(agent)
        wait_until(lambda: not (job_dir / "beam.cid").exists(), what="the solver's end")
        cluster.add_agent("node-1", cpus=4)
        final = client.wait(job.id)
    assert final.state is JobState.FAILED
    assert final.error_class.value == "model" and "TOO MANY ATTEMPTS" in final.error_message.upper()
