"""Users debug with grpcurl: both ports list their service, health checking and reflection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.domain.identity import Role

GRPCURL = Path(sys.executable).parent / "grpcurl"


def grpcurl(*args: str) -> str:
    done = subprocess.run([str(GRPCURL), "-plaintext", *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("port, service", [("submission", "abaqueue.v1.SubmissionService"),
                                           ("execution", "abaqueue.v1.ExecutionService")])
def test_grpcurl_lists_the_service_health_and_reflection(cluster, port, service):
    address = getattr(cluster, port)
    listed = grpcurl(address, "list").split()
    assert service in listed
    assert "grpc.health.v1.Health" in listed
    assert "grpc.reflection.v1alpha.ServerReflection" in listed
    health = json.loads(grpcurl(address, "grpc.health.v1.Health/Check"))
    assert health["status"] == "SERVING"


def test_grpcurl_calls_the_submission_service_through_reflection_with_a_token(cluster):
    auth = ("-H", f"authorization: Bearer {cluster.token('ana')}")
    out = json.loads(grpcurl(*auth, "-d", '{"page_size": 5}', cluster.submission,
                             "abaqueue.v1.SubmissionService/ListJobs"))
    assert out == {}  # no jobs yet; an empty message prints as {}
    bad = subprocess.run([str(GRPCURL), "-plaintext", *auth, "-d", '{"page_size": -1}', cluster.submission,
                          "abaqueue.v1.SubmissionService/ListJobs"], capture_output=True, text=True, timeout=30)
    assert "InvalidArgument" in bad.stderr and "page_size" in bad.stderr
    anonymous = subprocess.run([str(GRPCURL), "-plaintext", cluster.submission,
                                "abaqueue.v1.SubmissionService/ListJobs"], capture_output=True, text=True, timeout=30)
    assert "Unauthenticated" in anonymous.stderr


README = Path(__file__).resolve().parents[2] / "README.md"


def cookbook() -> str:
    """The README's grpcurl cookbook, the shell block after its marker."""
    text = README.read_text()
    start = text.index("```sh\n", text.index("<!-- grpcurl cookbook")) + len("```sh\n")
    return text[start:text.index("```", start)]


def test_the_readme_grpcurl_cookbook_runs_against_a_live_scheduler(cluster, tmp_path):
    token_file = tmp_path / "admin.token"
    token_file.write_text(cluster.token("root", Role.ADMIN))
    script = cookbook()
    assert "ADDR=127.0.0.1:50051" in script and ".abaqueue/admin.token" in script
    script = script.replace("ADDR=127.0.0.1:50051", f"ADDR={cluster.submission}")
    script = script.replace(".abaqueue/admin.token", str(token_file))
    commands = [line for line in script.splitlines() if line.startswith(("grpcurl", "JOB=$(grpcurl"))]
    assert len(commands) >= 12
    env = {**os.environ, "PATH": f"{GRPCURL.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in ("abaqueue.v1.SubmissionService", "rpc CreateJob", "message CreateJobRequest",
                     '"status": "SERVING"', '"state": "JOB_STATE_BLOCKED"', '"state": "JOB_STATE_CANCELLED"',
                     '"cursor":', '"max_concurrent": 5'):
        assert expected in out, expected
    assert out.count('"name": "beam"') >= 3  # GetJob, ListJobs, CancelJob, the stream's job event
