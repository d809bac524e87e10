"""Stopping an analysis for good, and following one whose solver outlives its launcher.

The simulator runs as Abaqus does on Windows: the launcher starts a solver process (named
`standard`) that keeps running when the launcher alone is killed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest

from client import JobState
from node_agent import process_tree
from node_agent.sim.solver import read_cid
from node_agent.sta import parse_sta
from tests.integration.models import beam

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX process sessions")


def wait_until(condition, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not met within {timeout} s"
        time.sleep(0.05)


def increment(job_dir: Path) -> int:
    sta = job_dir / "beam.sta"
    return parse_sta(sta.read_text()).increment if sta.exists() else 0


def running_solver(cluster, client, job_id: str) -> tuple[Path, psutil.Process]:
    wait_until(lambda: client.get(job_id).state is JobState.RUNNING, what="RUNNING")
    job_dir = cluster.workdir / "node-1" / f"{job_id}-1"
    wait_until(lambda: increment(job_dir) >= 1, what="a first increment")
    return job_dir, psutil.Process(read_cid(job_dir / "beam.cid"))


def left_in(job_dir: Path) -> list[psutil.Process]:
    return [p for p in psutil.process_iter() if _cwd(p) == str(job_dir.resolve())]


def _cwd(p: psutil.Process) -> str:
    try:
        return p.cwd()
    except psutil.Error:
        return ""


def test_cancel_asks_abaqus_to_terminate_and_the_job_ends_cancelled(cluster, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=60, increments=200)
    cluster.add_agent("node-1", cpus=4)
    with cluster.client() as client:
        job = client.submit(model, cpus=2, files=extra)
        job_dir, solver = running_solver(cluster, client, job.id)
        client.cancel(job.id)
        final = wait_until(lambda: (j := client.get(job.id)).state.is_final and j, what="a final state")
    assert final.state is JobState.CANCELLED
    assert not solver.is_running()
    # abaqus terminate writes to its own file: through a second handle on NAME.log its lines would be
    # overwritten on Windows by the launcher's next writes
    assert "terminate request sent to job beam" in (job_dir / "beam.terminate.log").read_text()
    assert "terminate request sent" not in (job_dir / "beam.log").read_text()
    assert parse_sta((job_dir / "beam.sta").read_text()).completed is False  # closed as Abaqus does
    assert not (job_dir / "beam.lck").exists() and left_in(job_dir) == []


def test_cancel_kills_a_solver_that_outlived_its_launcher_and_ignores_terminate(cluster, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=120, increments=400, stubborn=1)
    cluster.add_agent("node-1", cpus=4)
    with cluster.client() as client:
        job = client.submit(model, cpus=2, files=extra)
        job_dir, solver = running_solver(cluster, client, job.id)
        launcher = solver.parent()
        assert solver.name() == "standard" and launcher is not None
        launcher.kill()  # the launcher dies; the solver goes on
        launcher.wait(5)
        reached = increment(job_dir)
        wait_until(lambda: increment(job_dir) > reached + 2, what="the solver going on without its launcher")
        assert client.get(job.id).state is JobState.RUNNING  # the agent follows the solver, not the launcher
        client.cancel(job.id)
        final = wait_until(lambda: (j := client.get(job.id)).state.is_final and j, what="a final state")
    assert final.state is JobState.CANCELLED
    assert not solver.is_running()
    assert left_in(job_dir) == [] and process_tree.in_directory(job_dir, ["standard"]) == []
    assert not (job_dir / "beam.lck").exists()


def test_a_solver_that_outlived_its_launcher_is_followed_until_it_completes(cluster, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=4, increments=40, stubborn=1)
    cluster.add_agent("node-1", cpus=4)
    with cluster.client() as client:
        job = client.submit(model, cpus=2, files=extra)
        job_dir, solver = running_solver(cluster, client, job.id)
        solver.parent().kill()
        final = wait_until(lambda: (j := client.get(job.id)).state.is_final and j, timeout=60,
                           what="a final state")
    assert final.state is JobState.COMPLETED, final.error_message
    assert final.progress.overall_fraction == 1.0
    assert {f.name for f in final.result_files} >= {"beam.odb", "beam.sta"}
