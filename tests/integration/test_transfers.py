"""Files that never get lost on the way: each fault a real link to S3 shows (a damaged part, 5xx,
a cut connection, a URL that expired) is met by the agent, through a fault-injecting proxy in
front of real SeaweedFS, and the job still completes with its results intact."""

from __future__ import annotations

import asyncio
import os

import pytest

from abaqueue.presigned_http import file_digest
from client import Client, JobState
from node_agent import transfers
from scheduler.devstack.s3_faults import Fault, part_put
from tests.integration.models import beam

MiB = 1024 * 1024
SMALL_PARTS = {"multipart_threshold_bytes": 8 * MiB, "multipart_part_bytes": 5 * MiB, "keep_succeeded": True}


def via_proxy(**settings):
    return pytest.mark.parametrize("cluster", [{"via_proxy": True, **settings}], indirect=True)


def result_put(method: str, target: str) -> bool:
    """A single PUT of a result file (not a part)."""
    return method == "PUT" and "/results/" in target and "uploadId=" not in target


def run_job(cluster, client, tmp_path, odb_kb: int = 12_000):
    """A job whose .odb goes as a multipart upload of 5 MiB parts; the final job, its log, and whether
    the downloaded .odb is byte for byte the one the solver wrote."""
    model, extra = beam(tmp_path / "model", seconds=1, increments=2, odb_kb=odb_kb)
    job = client.submit(model, cpus=2, files=extra)
    final = client.wait(job.id)
    assert final.state is JobState.COMPLETED, final.error_message
    client.download_results(job.id, tmp_path / "out")
    written = cluster.workdir / "node-1" / f"{job.id}-1" / "beam.odb"
    same = file_digest(written) == file_digest(tmp_path / "out" / "beam.odb")
    return final, [line.text for line in client.job_log(job.id)], same


@via_proxy()
def test_a_part_damaged_on_the_way_is_refused_by_the_store_and_sent_again(cluster, s3_proxy, tmp_path):
    damage = s3_proxy.add(Fault(part_put, "corrupt", times=1))
    cluster.add_agent("node-1", cpus=4, **SMALL_PARTS)
    with cluster.client(inline_bytes=0) as client:
        final, log, same = run_job(cluster, client, tmp_path)
    assert damage.fired == 1
    assert s3_proxy.count(lambda s: part_put(s.method, s.target) and s.status == 400) == 1
    assert any("BadDigest" in line and "retrying" in line for line in log), log
    assert same


@via_proxy()
def test_5xx_and_cut_connections_are_retried_with_backoff(cluster, s3_proxy, tmp_path):
    faults = [
        s3_proxy.add(Fault(part_put, "status", times=2, status=503)),
        s3_proxy.add(Fault(part_put, "reset", times=1)),
        s3_proxy.add(Fault(result_put, "status", times=1, status=500)),
        s3_proxy.add(Fault(lambda m, t: m == "GET" and "/inputs/" in t, "status", times=1, status=502)),
    ]
    cluster.add_agent("node-1", cpus=4, **SMALL_PARTS)
    with cluster.client(inline_bytes=0) as client:
        final, log, same = run_job(cluster, client, tmp_path)
    assert [f.fired for f in faults] == [2, 1, 1, 1]
    assert sum("HTTP 503" in line for line in log) == 2
    assert any("HTTP 500" in line for line in log) and any("HTTP 502" in line for line in log)
    assert any(cut in line for line in log for cut in ("RemoteDisconnected", "ConnectionReset", "BrokenPipe")), log
    assert same


@via_proxy(url_expiry_seconds=2)
def test_a_url_that_expires_mid_upload_is_refreshed_and_the_upload_completes(cluster, s3_proxy, tmp_path):
    held = s3_proxy.add(Fault(part_put, "delay", times=1, delay_s=3.0))  # the store sees it after it expired
    cluster.add_agent("node-1", cpus=4, **SMALL_PARTS)
    with cluster.client(inline_bytes=0) as client:
        final, log, same = run_job(cluster, client, tmp_path)
    assert held.fired == 1
    assert s3_proxy.count(lambda s: part_put(s.method, s.target) and s.status == 403) == 1
    assert any("HTTP 403" in line and "fresh URL" in line for line in log), log
    assert same


@via_proxy()
def test_a_large_input_goes_up_in_checked_parts_and_comes_down_to_the_node_in_ranges(cluster, s3_proxy, tmp_path):
    damage = s3_proxy.add(Fault(part_put, "corrupt", times=1))
    cut = s3_proxy.add(Fault(lambda m, t: m == "GET" and "/inputs/table.dat" in t, "reset", times=1))
    table = tmp_path / "model" / "table.dat"
    table.parent.mkdir(parents=True)
    table.write_bytes(os.urandom(40 * MiB))  # the node fetches it as two 32 MiB ranges
    cluster.add_agent("node-1", cpus=4, **SMALL_PARTS)
    model, extra = beam(tmp_path / "model", seconds=1, increments=2)
    with Client(cluster.submission, token=cluster.token(), multipart_threshold_bytes=8 * MiB,
                multipart_part_bytes=5 * MiB) as client:
        job = client.submit(model, cpus=2, files=[*extra, table])
        final = client.wait(job.id)
    assert final.state is JobState.COMPLETED, final.error_message
    assert damage.fired == 1 and cut.fired == 1
    assert s3_proxy.count(lambda s: part_put(s.method, s.target) and "/inputs/" in s.target and s.status == 200) == 8
    arrived = cluster.workdir / "node-1" / f"{job.id}-1" / "table.dat"
    assert arrived.read_bytes() == table.read_bytes()


@via_proxy()
def test_a_result_the_store_keeps_refusing_gives_missing_and_the_rest_stays_downloadable(cluster, s3_proxy, tmp_path):
    refused = s3_proxy.add(Fault(lambda m, t: m == "PUT" and "/results/beam.dat" in t, "status", times=0, status=503))
    cluster.add_agent("node-1", cpus=4, transfer_attempts=2)
    model, extra = beam(tmp_path / "model", seconds=1, increments=2)
    with cluster.client(inline_bytes=0) as client:
        job = client.submit(model, cpus=2, files=extra)
        final = client.wait(job.id)
        assert final.state is JobState.MISSING
        assert final.missing_files == ("beam.dat",)
        saved = client.download_results(job.id, tmp_path / "out")
        log = [line.text for line in client.job_log(job.id)]
    assert refused.fired == 2
    assert sorted(p.name for p in saved) == ["beam.log", "beam.msg", "beam.odb", "beam.sta"]
    assert any("beam.dat could not be uploaded: HTTP 503" in line for line in log), log


@pytest.mark.parametrize("cluster", [{"via_proxy": True, "transfer_slot_lease_s": 1.0}], indirect=True)
def test_an_upload_whose_slot_lapsed_stops_and_goes_on_in_a_new_turn(cluster, s3_proxy, tmp_path, monkeypatch):
    s3_proxy.add(Fault(part_put, "delay", times=0, delay_s=1.0))  # 16 parts, 4 at a time: 4 s at least
    real_renew, slots = transfers.Transfers._renew, []

    async def renew_late_once(self, slot_id, lease_s):
        slots.append(slot_id)
        if len(slots) == 2:  # the results' first slot (after the inputs'): frozen past its lease, then renewed
            await asyncio.sleep(lease_s * 2.5)
        await real_renew(self, slot_id, lease_s)

    monkeypatch.setattr(transfers.Transfers, "_renew", renew_late_once)
    cluster.add_agent("node-1", cpus=4, **SMALL_PARTS)
    with cluster.client(inline_bytes=0) as client:
        final, log, same = run_job(cluster, client, tmp_path, odb_kb=80_000)
    assert len(slots) == 3 and any("lapsed mid-transfer" in line for line in log), log
    assert same


@via_proxy()
def test_an_input_that_arrives_damaged_is_fetched_again(cluster, s3_proxy, tmp_path):
    damage = s3_proxy.add(Fault(lambda m, t: m == "GET" and "/inputs/beam.inp" in t, "corrupt_reply", times=1))
    cluster.add_agent("node-1", cpus=4)
    model, extra = beam(tmp_path / "model", seconds=1, increments=2)
    with cluster.client(inline_bytes=0) as client:
        job = client.submit(model, cpus=2, files=extra)
        final = client.wait(job.id)
        log = [line.text for line in client.job_log(job.id)]
    assert final.state is JobState.COMPLETED, final.error_message
    assert damage.fired == 1
    assert any("input beam.inp arrived with" in line and "fetching it again" in line for line in log), log
