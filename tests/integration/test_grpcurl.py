"""Users debug with grpcurl: both ports list their service, health checking and reflection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
