"""Inputs as a zip archive that the node unpacks: a model with includes in folders runs; an archive
reaching outside the job directory or unpacking past the node's bound fails the job as a model
error, having written nothing outside."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from client import AbaqueueError, JobState
from client.models import ErrorClass
from scheduler.domain.identity import Role
from scheduler.domain.limits import RoleLimits
from tests.integration.models import EXAMPLE, beam


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _job_dir(cluster, job) -> Path:
    return cluster.workdir / "node-1" / f"{job.id}-1"


def test_a_model_with_includes_in_folders_runs_from_an_archive(cluster, tmp_path):
    cluster.add_agent("node-1", keep_succeeded=True)
    model, _ = beam(tmp_path / "model", seconds=1, increments=2)
    text = model.read_text().replace("input=beam_material.inp", "input=materials/beam_material.inp")
    assert "materials/beam_material.inp" in text
    archive = _zip(tmp_path / "beam-inputs.zip", {
        "beam.inp": text.encode(), "materials/beam_material.inp": (EXAMPLE / "beam_material.inp").read_bytes()})
    with cluster.client() as client:
        job = client.wait(client.submit("beam.inp", cpus=1, archives=[archive]).id)
    assert job.state is JobState.COMPLETED, job.error_message
    assert job.input_file == "beam.inp" and [f.name for f in job.input_files] == ["beam-inputs.zip"]
    job_dir = _job_dir(cluster, job)
    assert (job_dir / "materials" / "beam_material.inp").read_bytes() == (EXAMPLE / "beam_material.inp").read_bytes()
    assert not (job_dir / "beam-inputs.zip").exists()  # unpacked, then dropped


def test_an_archive_reaching_outside_the_job_directory_fails_the_job_and_writes_nothing(cluster, tmp_path):
    cluster.add_agent("node-1")
    model, extra = beam(tmp_path / "model", seconds=1, increments=1)
    archive = _zip(tmp_path / "evil.zip", {"ok.txt": b"fine", "../../escaped.txt": b"gotcha"})
    with cluster.client() as client:
        job = client.wait(client.submit(model, cpus=1, files=extra, archives=[archive]).id)
    assert job.state is JobState.FAILED and job.error_class is ErrorClass.MODEL
    assert "evil.zip" in job.error_message and "'..' would leave the job directory" in job.error_message
    assert not list(cluster.workdir.rglob("escaped.txt"))
    assert not (_job_dir(cluster, job) / "ok.txt").exists()  # refused before anything was written


def test_an_archive_past_the_nodes_bound_stops_unpacking(cluster, tmp_path):
    cluster.add_agent("node-1", max_unpacked_bytes=64 * 1024)
    model, extra = beam(tmp_path / "model", seconds=1, increments=1)
    archive = _zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(1024 * 1024)})  # 1 MiB packs to about 1 KiB
    assert archive.stat().st_size < 64 * 1024
    with cluster.client() as client:
        job = client.wait(client.submit(model, cpus=1, files=extra, archives=[archive]).id)
    assert job.state is JobState.FAILED and job.error_class is ErrorClass.MODEL
    assert "unpacks to more than 65536 bytes" in job.error_message
    assert not (_job_dir(cluster, job) / "zeros.bin").exists()


def test_the_client_checks_the_model_is_at_the_top_of_an_archive(cluster, tmp_path):
    archive = _zip(tmp_path / "inputs.zip", {"models/beam.inp": b"*Heading\n"})
    with cluster.client() as client:
        with pytest.raises(AbaqueueError, match="neither a local file nor at the top of"):
            client.submit("beam.inp", cpus=1, archives=[archive])
        with pytest.raises(AbaqueueError, match="not a readable zip"):
            client.submit("beam.inp", cpus=1, archives=[_write(tmp_path / "fake.zip", b"not a zip")])
        assert list(client.list()) == []


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path



@pytest.mark.parametrize("cluster", [{"role_limits": RoleLimits(max_job_bytes={Role.GUEST: 4096})}], indirect=True)
def test_an_archive_may_unpack_no_more_than_its_owners_job_size_limit(cluster, tmp_path):
    cluster.add_agent("node-1")  # the node's own bound is the default 50 GiB
    model = tmp_path / "m.inp"
    model.write_bytes(b"*Heading\n** abaqus-sim: seconds=0\n")
    archive = _zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(1024 * 1024)})
    with cluster.client("gus", Role.GUEST) as guest:
        job = guest.wait(guest.submit(model, cpus=1, archives=[archive]).id)
    assert job.state is JobState.FAILED and "unpacks to more than 4096 bytes" in job.error_message
