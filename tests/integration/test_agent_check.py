"""`abaqueue-agent check` against a real scheduler, the simulator as Abaqus and its lmstat."""

from __future__ import annotations

import json
import logging
import threading

from client import JobState
from node_agent.main import main
from node_agent.windows_service import run_until
from scheduler.domain.identity import Role
from tests.integration.conftest import SIM
from tests.integration.models import beam


def config_file(cluster, tmp_path, **overrides) -> str:
    token = tmp_path / "node.token"
    token.write_text(cluster.token("node-9", Role.NODE))
    settings = {"scheduler": cluster.execution, "token_file": str(token), "node_name": "node-9",
                "abaqus_command": [str(SIM)], "work_dir": str(tmp_path / "work"), "min_free_disk_bytes": 1,
                **overrides}
    lines = [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    path = tmp_path / "agent.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def run_check(capsys, path: str) -> tuple[int, dict]:
    code = main(["check", "--config", path, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_node_that_can_run_jobs_passes_every_check(cluster, tmp_path, capsys):
    code, report = run_check(capsys, config_file(cluster, tmp_path))
    assert code == 0 and report["ok"], report
    by_name = {c["name"]: c for c in report["checks"]}
    assert set(by_name) == {"abaqus", "license server", "work directory", "disk space", "scheduler"}
    assert "78 tokens issued, 53 in use" in by_name["license server"]["detail"]
    assert "accepts the token" in by_name["scheduler"]["detail"]


def test_each_problem_is_named(cluster, tmp_path, capsys):
    path = config_file(cluster, tmp_path, abaqus_command=[str(tmp_path / "no-abaqus.bat")],
                       min_free_disk_bytes=10**18)
    (tmp_path / "node.token").write_text("abq_not_a_token")
    code, report = run_check(capsys, path)
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert code == 1 and not report["ok"]
    assert set(failed) == {"abaqus", "license server", "disk space", "scheduler"}
    assert "not found" in failed["abaqus"] and "UNAUTHENTICATED" in failed["scheduler"]


def test_the_service_loop_runs_a_job_logs_to_its_rotating_file_and_stops_when_told(cluster, tmp_path):
    """What the Windows service runs (pywin32 only adds the service manager around it)."""
    config_file(cluster, tmp_path, progress_interval_s=0.2)
    stop = threading.Event()
    service = threading.Thread(target=run_until, args=(stop, tmp_path / "agent.toml"))
    service.start()
    try:
        model, extra = beam(tmp_path / "model", seconds=0.5, increments=2)
        with cluster.client() as client:
            job = client.wait(client.submit(model, cpus=1, files=extra).id)
        assert job.state is JobState.COMPLETED and job.node == "node-9"
    finally:
        stop.set()
        service.join(30)
        logging.basicConfig(force=True)  # the service took over logging; give it back to pytest
    assert not service.is_alive()
    log = (tmp_path / "logs" / "agent.log").read_text()
    assert "registered as node-9" in log
