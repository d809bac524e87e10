"""What a job asks of Abaqus reaches its command line and environment file; a wall-clock limit
stops it as a cancel does and ends it TIMEOUT with the files it wrote."""

from __future__ import annotations

import os

import pytest

from client import JobState, SolverOptions
from tests.integration.models import beam
from tests.integration.test_stopping import left_in

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX process sessions")


def test_options_reach_the_command_line_and_the_node_writes_abaqus_v6_env(cluster, tmp_path):
    model, extra = beam(tmp_path / "model", seconds=0.5, increments=2)
    umat = tmp_path / "model" / "umat.for"
    umat.write_text("      SUBROUTINE UMAT\n      END\n")
    cluster.add_agent("node-1", cpus=4, license_server="27000@lic01.example.com", license_queue_minutes=5)
    options = SolverOptions(memory="2gb", double_precision="both", user_subroutine="umat.for",
                            result_patterns=("*.com", "abaqus_v6.env"))
    with cluster.client() as client:
        job = client.wait(client.submit(model, cpus=2, files=[*extra, umat], solver=options).id)
        assert job.state is JobState.COMPLETED, job.error_message
        assert job.solver == options
        client.download_results(job.id, tmp_path / "results")
    command = (tmp_path / "results" / "beam.com").read_text()
    assert "job=beam input=beam.inp cpus=2 memory=2gb double=both user=umat.for interactive ask_delete=OFF" in command
    env = (tmp_path / "results" / "abaqus_v6.env").read_text()
    assert "abaquslm_license_file='27000@lic01.example.com'" in env and "lmhanglimit=5" in env


@pytest.mark.parametrize("job_limit", [2.0, 0.0])
def test_the_wall_clock_limit_stops_the_job_and_keeps_what_it_wrote(cluster, tmp_path, job_limit):
    """The job's own limit, or (none stated) the node's default."""
    model, extra = beam(tmp_path / "model", seconds=120, increments=400)
    cluster.add_agent("node-1", cpus=4, default_time_limit_s=2.0 if not job_limit else 0.0)
    with cluster.client() as client:
        job = client.wait(client.submit(model, cpus=2, files=extra,
                                        solver=SolverOptions(timeout_s=job_limit)).id)
    assert job.state is JobState.TIMEOUT
    assert "wall-clock limit of 2 s" in job.error_message
    assert {"beam.sta", "beam.msg", "beam.log"} <= {f.name for f in job.result_files}
    assert 0 < job.progress.overall_fraction < 1
    job_dir = cluster.workdir / "node-1" / f"{job.id}-1"
    assert left_in(job_dir) == [] and not (job_dir / "beam.lck").exists()
