"""The agent's log lines: each names the job and attempt it is about, and lines about no job stay
as they were."""

from __future__ import annotations

import logging

import pytest

from node_agent import logs


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def test_lines_about_a_job_carry_its_id_and_attempt_others_do_not(tmp_path, restore_logging):
    log_file = tmp_path / "logs" / "agent.log"
    logs.setup(log_file=log_file, console=False)
    log = logging.getLogger("node_agent.job_run")
    job = logging.LoggerAdapter(log, {"job": "3f2c" * 8, "attempt": 2})  # as JobRun logs
    job.info("solver started (pid %d)", 1234)
    job.warning("stall: no new increment for %d s", 1800)
    log.info("registered as node-7")
    logging.getLogger("node_agent.agent").error("scheduler refused: %s", "PERMISSION_DENIED")
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4
    assert lines[0].endswith(f"INFO node_agent.job_run [job {'3f2c' * 8} attempt 2]: solver started (pid 1234)")
    assert f"[job {'3f2c' * 8} attempt 2]: stall" in lines[1]
    assert lines[2].endswith("INFO node_agent.job_run: registered as node-7")
    assert lines[3].endswith("ERROR node_agent.agent: scheduler refused: PERMISSION_DENIED")
    assert not any("None" in line for line in lines)


def test_json_lines_carry_the_job_attempt_and_node_from_the_record_or_the_context(tmp_path, restore_logging):
    import json

    from abaqueue.log_format import log_context

    log_file = tmp_path / "agent.log"
    logs.setup(log_file=log_file, console=False, kind="json")
    job = logging.LoggerAdapter(logging.getLogger("node_agent.job_run"), {"job": "3f2c", "attempt": 2})
    with log_context(node="node-7"):
        job.info("solver started")
        logging.getLogger("node_agent.agent").warning("heartbeat failed")
    logging.getLogger("node_agent.agent").info("stopped")
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert [(d["message"], d.get("job"), d.get("attempt"), d.get("node")) for d in lines] == [
        ("solver started", "3f2c", 2, "node-7"), ("heartbeat failed", None, None, "node-7"),
        ("stopped", None, None, None)]
    assert lines[1]["level"] == "warning" and lines[0]["logger"] == "node_agent.job_run" and "time" in lines[0]
