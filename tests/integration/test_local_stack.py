"""The local stack of `make run` and `make demo`: the real scheduler and agent processes
(console scripts, as a newcomer starts them) against the session's SeaweedFS."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from scheduler.devstack.ports import free_ports
from scheduler.devstack.stack import LocalStack, demo

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "beam"


def test_demo_runs_the_example_and_verifies_its_results(seaweed, tmp_path, capsys):
    sub_port, ex_port = free_ports(2)
    with LocalStack(tmp_path, submission_port=sub_port, execution_port=ex_port, s3=seaweed) as stack:
        assert demo(stack, EXAMPLE) == 0
        assert stack.dead() == []
    out = capsys.readouterr().out
    assert "COMPLETED; 5 result files" in out
    results = next((tmp_path / "demo-results").iterdir())
    assert sorted(p.suffix for p in results.iterdir()) == [".dat", ".log", ".msg", ".odb", ".sta"]


def test_closing_the_stack_stops_every_process_it_started(seaweed, tmp_path):
    sub_port, ex_port, web_port = free_ports(3)
    stack = LocalStack(tmp_path, submission_port=sub_port, execution_port=ex_port, s3=seaweed,
                       web_port=web_port).start()
    processes = [p for _, p in stack._processes]
    assert stack.dead() == []
    with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/", timeout=10) as page:  # make run's dashboard
        assert page.status == 200 and b"<title>Abaqueue</title>" in page.read()
    stack.close()
    assert all(p.poll() is not None for p in processes)
    assert seaweed.process.poll() is None  # the session's SeaweedFS was lent, not owned: still running
