"""The scheduler's and the agent's Prometheus endpoints, scraped over HTTP while jobs run: every
metric family the operator is promised is there and moves."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from client import JobState, NotFound
from scheduler.domain.identity import Role
from tests.integration.models import beam
from tests.integration.test_stopping import wait_until


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    """Every sample of the endpoint: (name, sorted labels) -> value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: dict, name: str, **labels) -> float:
    """The sum over every sample of `name` whose labels include `labels`."""
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


@pytest.mark.parametrize("cluster", [{"metrics_port": 0, "metrics_sample_s": 0.1}], indirect=True)
def test_every_metric_family_is_served_and_moves_while_jobs_run(cluster, tmp_path):
    port = cluster.server.metrics_port
    before = scrape(port)
    assert value(before, "abaqueue_queue_depth") == 0
    model, _ = beam(tmp_path / "model", seconds=3, increments=6)
    flaky, _ = beam(tmp_path / "flaky", name="flaky", seconds=1, increments=2, fail="system")
    with cluster.client("root", Role.ADMIN) as admin:
        admin.update_queue_settings(license_tokens_total=40)
    with cluster.client(inline_bytes=0) as client:  # uploaded: the inputs move in the node's transfer slot
        job = client.submit(model, cpus=2)
        wait_until(lambda: value(scrape(port), "abaqueue_jobs", state="WAITING") == 1, what="one job waiting")
        waiting = scrape(port)
        assert value(waiting, "abaqueue_queue_depth") == 1
        with pytest.raises(NotFound):
            client.get("nope")
        agent = cluster.add_agent("node-1", cpus=4, metrics_port=0)
        wait_until(lambda: client.get(job.id).state is JobState.RUNNING, what="the job running")
        # the gauges are sampled (the jobs counted off the event loop, the nodes on it): wait for a
        # sample in which both agree
        def sampled_running() -> dict | None:
            samples = scrape(port)
            busy = value(samples, "abaqueue_nodes", state="busy") == 1
            return samples if busy and value(samples, "abaqueue_jobs", state="RUNNING") == 1 else None

        running = wait_until(sampled_running, what="a sample of the job running on a busy node")
        retried = client.submit(flaky, cpus=1, max_attempts=2)
        client.wait(job.id)
        client.wait(retried.id)
        def sampled_idle() -> dict | None:  # a sample taken after both jobs ended, nodes and jobs alike
            samples = scrape(port)
            idle = value(samples, "abaqueue_nodes", state="ready") == 1
            return samples if idle and value(samples, "abaqueue_jobs", state="RUNNING") == 0 else None

        after = wait_until(sampled_idle, what="a sample of the node idle")
        agent_samples = scrape(agent.metrics_port)

    # jobs by state and the queue move with the job
    assert value(running, "abaqueue_jobs", state="RUNNING") == 1 and value(running, "abaqueue_queue_depth") == 0
    assert value(after, "abaqueue_jobs", state="RUNNING") == 0
    assert value(after, "abaqueue_jobs_finished_total", state="COMPLETED") == 1
    assert value(after, "abaqueue_jobs_finished_total", state="FAILED") == 1
    # time waiting, and dispatch from the change that made a job startable to its assignment
    assert value(after, "abaqueue_job_wait_seconds_count") >= 3  # two jobs, one of them twice
    assert value(after, "abaqueue_job_wait_seconds_sum") > 0
    assert value(after, "abaqueue_dispatch_latency_seconds_count") >= 3
    assert value(after, "abaqueue_dispatch_decision_seconds_count") >= 3  # a decision each time a node asked
    assert value(after, "abaqueue_dispatch_decision_seconds_sum") > 0
    # calls by method and code, with their duration
    create = "/abaqueue.v1.SubmissionService/CreateJob"
    assert value(after, "abaqueue_rpcs_total", method=create, code="OK") == 2
    assert value(after, "abaqueue_rpcs_total", method="/abaqueue.v1.SubmissionService/GetJob", code="NOT_FOUND") == 1
    assert value(after, "abaqueue_rpc_duration_seconds_count", method=create) == 2
    assert total(after, "abaqueue_rpcs_total", method="/abaqueue.v1.ExecutionService/Heartbeat") > 0
    # nodes by state, cores and license tokens in use and in all
    assert value(running, "abaqueue_cores", kind="in_use") == 2 and value(running, "abaqueue_cores", kind="total") == 4
    assert value(running, "abaqueue_license_tokens", kind="in_use") == 6
    assert value(after, "abaqueue_license_tokens", kind="total") == 40
    assert value(after, "abaqueue_license_tokens", kind="in_use") == 0
    # transfer slots and retries by cause
    assert total(after, "abaqueue_transfer_slot_wait_seconds_count", node="node-1") >= 4
    assert total(after, "abaqueue_transfer_slot_hold_seconds_count", node="node-1") >= 4
    assert value(after, "abaqueue_retries_total", cause="system") == 1
    # the agent's own: solver runs, bytes and rates by direction, heartbeat failures (none here)
    assert value(agent_samples, "abaqueue_agent_solver_runs_total", outcome="succeeded") == 1
    assert value(agent_samples, "abaqueue_agent_solver_runs_total", outcome="failed") == 2
    assert value(agent_samples, "abaqueue_agent_transfer_bytes_total", direction="download") > 0
    assert value(agent_samples, "abaqueue_agent_transfer_bytes_total", direction="upload") > 64 * 1024
    assert value(agent_samples, "abaqueue_agent_transfer_rate_bytes_per_second_count", direction="upload") >= 5
    assert ("abaqueue_agent_heartbeat_failures_total", ()) in agent_samples
