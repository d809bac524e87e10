"""Retention: jobs that ended longer ago than the retention go by themselves, with their objects;
waiting, held, running and recently ended jobs stay."""

from __future__ import annotations

import boto3
import pytest

from client import JobState, NotFound
from tests.integration.models import beam
from tests.integration.test_stopping import wait_until

RETAIN_S = 3.0


def objects(seaweed, job_id: str) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=seaweed.endpoint, aws_access_key_id=seaweed.access_key,
                      aws_secret_access_key=seaweed.secret_key, region_name="us-east-1")
    return [o["Key"] for o in s3.list_objects_v2(Bucket=seaweed.bucket, Prefix=f"jobs/{job_id}/").get("Contents", ())]


@pytest.mark.parametrize("cluster", [{"retention_days": RETAIN_S / 86400, "retention_check_s": 0.2}], indirect=True)
def test_old_terminal_jobs_go_with_their_objects_and_active_ones_never(cluster, seaweed, tmp_path):
    quick, _ = beam(tmp_path / "quick", seconds=0.5, increments=1)
    slow, _ = beam(tmp_path / "slow", name="slow", seconds=30, increments=30)
    cluster.add_agent("node-1", cpus=4)
    with cluster.client(inline_bytes=0) as client:  # inputs uploaded: objects of their own
        done = client.wait(client.submit(quick, cpus=1).id)
        assert done.state is JobState.COMPLETED and objects(seaweed, done.id)  # inputs and results
        running = client.submit(slow, cpus=2)
        waiting = client.submit(quick, cpus=1, labels={"gpu": "a100"})  # no node has it: it waits

        def gone(job_id: str) -> bool:
            try:
                client.get(job_id)
            except NotFound:
                return True
            return False

        wait_until(lambda: gone(done.id), timeout=30, what="the completed job removed")
        assert objects(seaweed, done.id) == []
        cancelled = client.cancel(client.submit(quick, cpus=1, labels={"gpu": "a100"}).id)
        assert cancelled.state is JobState.CANCELLED
        assert not gone(cancelled.id)  # ended just now: kept until it is as old as the retention
        wait_until(lambda: gone(cancelled.id), timeout=30, what="the cancelled job removed in its turn")
        wait_until(lambda: client.get(running.id).state is JobState.RUNNING, what="the slow job running")
        for job in (running, waiting):
            assert client.get(job.id).state in (JobState.RUNNING, JobState.WAITING)
            assert objects(seaweed, job.id)  # their inputs are kept
        client.cancel(running.id)
