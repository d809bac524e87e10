"""A scheduler that restarts loses nothing: a submission made while it is down is retried by the
client with the same request id and goes through once, and the jobs in the store are all there."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from client import Client, JobState
from scheduler.server import SchedulerServer
from tests.integration.models import beam
from tests.integration.test_stopping import wait_until


def test_a_submission_made_while_the_scheduler_restarts_goes_through_once(cluster, loop_thread, tmp_path):
    model, extra = beam(tmp_path / "m")
    with cluster.client() as client:
        before = client.submit(model, cpus=1, files=extra)
    token = cluster.token()  # made in the store before the scheduler stops
    old = cluster.server
    config = replace(old.config, port_for_submission=old.submission_port, port_for_execution=old.execution_port)
    loop_thread.run(old.stop(grace=1))

    refused = threading.Event()

    def pause(seconds: float) -> None:  # the client's backoff: the first try found the scheduler down
        refused.set()
        time.sleep(seconds)

    submitted: list = []
    with Client(cluster.submission, token=token, sleep=pause) as client:
        submitter = threading.Thread(target=lambda: submitted.append(
            client.submit(model, cpus=1, files=extra, name="during", request_id="restart-1")))
        submitter.start()
        assert refused.wait(30)

        async def start() -> SchedulerServer:
            again = SchedulerServer(config)
            await again.start()
            return again

        cluster.server = loop_thread.run(start())
        submitter.join(60)
        assert submitted and submitted[0].state is JobState.WAITING
        jobs = list(client.list())
    assert sorted(j.name for j in jobs) == ["beam", "during"]  # the earlier job is there, the new one once
    assert {j.id for j in jobs} == {before.id, submitted[0].id}


def test_an_agent_cut_off_by_a_scheduler_restart_carries_on_with_its_attempt(cluster, loop_thread, tmp_path):
    model, extra = beam(tmp_path / "m", seconds=4, increments=20)
    cluster.add_agent("node-1", cpus=4)
    with cluster.client() as client:
        job = client.submit(model, cpus=2, files=extra)
        token = cluster.token()
        wait_until(lambda: client.get(job.id).state is JobState.RUNNING, what="RUNNING")
    old = cluster.server
    config = replace(old.config, port_for_submission=old.submission_port, port_for_execution=old.execution_port)

    async def restart() -> SchedulerServer:
        await old.stop(grace=1)  # the agent's calls fail meanwhile: it keeps solving and retries
        again = SchedulerServer(config)
        await again.start()
        return again

    cluster.server = loop_thread.run(restart())
    with Client(cluster.submission, token=token) as client:
        final = client.wait(job.id)
    assert final.state is JobState.COMPLETED, final.error_message
    assert final.attempt == 1 and final.node == "node-1"  # the same attempt, not a retry
    assert cluster.server.store.get(job.id).history == ()
