"""The backend status document changed while the scheduler runs: waiting jobs take the maintenance
reason and lose it, a node pool stops taking work, a broken document is reported and not taken."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from client import JobState
from tests.integration.models import beam
from tests.integration.test_stopping import wait_until

MAINTENANCE = '[backends."2024"]\nstatus = "maintenance"\ndescription = "FlexNet upgrade until 14:00"\n'
AVAILABLE = '[backends."2024"]\nstatus = "available"\n'


@pytest.fixture
def status_file(tmp_path):
    """Written before the cluster starts (the fixture comes first in each test's arguments)."""
    path = tmp_path / "backends.toml"
    path.write_text(MAINTENANCE)
    return path


def write(path, text: str) -> None:
    path.write_text(text)


def codes(client, job_id: str) -> set[str]:
    return {r.code for r in client.get(job_id).reasons}


WATCHED = pytest.mark.parametrize(
    "cluster", [{"backend_status_file": Path("backends.toml"), "backend_status_interval_s": 0.1}], indirect=True)


@WATCHED
def test_waiting_jobs_take_and_lose_the_maintenance_reason_as_the_document_changes(status_file, cluster, tmp_path):
    model, _ = beam(tmp_path / "model", seconds=1, increments=2)
    cluster.add_agent("node-1", cpus=4, abaqus_versions=("2024",))
    with cluster.client() as client:
        job = client.submit(model, cpus=2, abaqus_version="2024")
        time.sleep(1.0)  # ten readings, and the node asked for work all along
        held = client.get(job.id)
        assert held.state is JobState.WAITING and "backend_maintenance" in codes(client, job.id)
        assert "FlexNet upgrade until 14:00" in " ".join(r.message for r in held.reasons)
        status = client.service_status()
        assert [(b.name, b.availability) for b in status.backends] == [("2024", "maintenance")]
        assert status.source == f"file {status_file}" and not status.problem
        other = client.submit(model, cpus=1)  # asks no version, but the node's only one is in maintenance
        wait_until(lambda: "backend_maintenance" in codes(client, other.id), what="the node's backend as reason")

        write(status_file, "[backends.\n")  # broken: reported, and the maintenance stays in force
        wait_until(lambda: client.service_status().problem, what="the broken document reported")
        assert "not TOML" in client.service_status().problem and "backend_maintenance" in codes(client, job.id)

        write(status_file, AVAILABLE)
        wait_until(lambda: client.get(job.id).state is not JobState.WAITING, what="the job leaving the queue")
        assert client.wait(job.id).state is client.wait(other.id).state is JobState.COMPLETED
        assert not client.service_status().problem

        write(status_file, '[backends."2024"]\nstatus = "unavailable"\ndescription = "license server down"\n')
        wait_until(lambda: client.service_status().backends[0].availability == "unavailable", what="the change")
        later = client.submit(model, cpus=2, abaqus_version="2024")
        wait_until(lambda: "backend_unavailable" in codes(client, later.id), what="the unavailable reason")
        assert client.get(later.id).state is JobState.WAITING


@WATCHED
def test_a_node_pool_in_maintenance_takes_no_work(status_file, cluster, tmp_path):
    write(status_file, '[backends.osaka]\nstatus = "maintenance"\ndescription = "cooling"\n')
    model, _ = beam(tmp_path / "model", seconds=1, increments=2)
    time.sleep(0.3)
    cluster.add_agent("node-1", cpus=4, labels={"pool": "osaka"})
    with cluster.client() as client:
        job = client.submit(model, cpus=2)
        wait_until(lambda: "backend_maintenance" in codes(client, job.id), what="the pool's reason")
        assert client.get(job.id).state is JobState.WAITING
        write(status_file, "")
        assert client.wait(job.id).state is JobState.COMPLETED
