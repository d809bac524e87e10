"""An agent killed (SIGKILL) in the middle of uploading a 300 MB result comes back and resumes the
multipart upload where the store has it, instead of sending the whole file again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from abaqueue.multipart import MiB
from client import JobState
from scheduler.devstack.s3_faults import Fault, part_put
from scheduler.domain.identity import Role
from tests.integration.conftest import SIM
from tests.integration.models import beam
from tests.integration.test_stopping import wait_until

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals")

ODB_BYTES = 300 * MiB
PARTS = ODB_BYTES // (16 * MiB) + 1  # 16 MiB parts: 19


def start_agent(cluster, tmp_path) -> subprocess.Popen:
    token = tmp_path / "node.token"
    token.write_text(cluster.token("node-1", Role.NODE))
    settings = {"scheduler": cluster.execution, "token_file": str(token), "node_name": "node-1", "cpus": 4,
                "abaqus_command": [str(SIM)], "work_dir": str(cluster.workdir / "node-1"), "min_free_disk_bytes": 1,
                "disk_multiple": 1.0, "progress_interval_s": 0.2, "multipart_part_bytes": 16 * MiB,
                "keep_succeeded": True}
    config = tmp_path / "agent.toml"
    config.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items()))
    log = open(tmp_path / "agent.log", "ab")
    try:
        return subprocess.Popen([sys.executable, "-m", "node_agent.main", "run", "--config", str(config)],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    finally:
        log.close()


def stored_parts(proxy) -> int:
    return proxy.count(lambda s: part_put(s.method, s.target) and s.status == 200)


@pytest.mark.parametrize("cluster", [{"via_proxy": True}], indirect=True)
def test_a_killed_agent_resumes_a_300_mb_multipart_upload(cluster, s3_proxy, tmp_path):
    s3_proxy.add(Fault(part_put, "delay", times=0, delay_s=0.3))  # a slow link: time to kill it mid-upload
    agent = start_agent(cluster, tmp_path)
    try:
        with cluster.client() as client:
            model, extra = beam(tmp_path / "model", seconds=1, increments=2, odb_kb=ODB_BYTES // 1024)
            job = client.submit(model, cpus=2, files=extra)
            wait_until(lambda: stored_parts(s3_proxy) >= 6, what="six parts stored", timeout=120)
            agent.send_signal(signal.SIGKILL)
            agent.wait(10)
            before = stored_parts(s3_proxy)
            assert before < PARTS
            agent = start_agent(cluster, tmp_path)
            final = client.wait(job.id)
            assert final.state is JobState.COMPLETED, final.error_message
            odb = next(f for f in final.result_files if f.name == "beam.odb")
            assert odb.size_bytes == ODB_BYTES
            saved = client.download_results(job.id, tmp_path / "out", only=[".odb"])  # checked against its SHA-256
            assert [p.name for p in saved] == ["beam.odb"]
    finally:
        agent.kill()
        agent.wait(10)
    after = stored_parts(s3_proxy) - before
    # only the parts the store did not have were sent again (those in flight at the kill at most twice)
    assert after <= PARTS - before + 4, (before, after)
    assert after < PARTS
    assert "resuming the upload of beam.odb" in (tmp_path / "agent.log").read_text()
