"""A node that goes silent is lost: its jobs' attempts end, and the jobs wait again after a backoff
(or fail once their attempts are used), while the lost node's late calls are refused. Time is
injected: the scheduler's sweep is called with the `now` a test chooses, nothing waits on a clock."""

from __future__ import annotations

import time

import grpc
import pytest

from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import job_pb2
from client import JobState
from scheduler.domain.policy import Code
from scheduler.domain.retries import RetryRules
from scheduler.server import SchedulerServer
from tests.integration.models import beam
from tests.integration.test_queue import node_stub

LOST_AFTER = 0.5 + 10.0  # the cluster's heartbeat interval and the default grace
RULES = RetryRules(max_attempts=2, backoff_base_s=1.0, backoff_cap_s=10.0)


def running_on(cluster, stub, name: str) -> ex.JobAttempt:
    attempt = stub.AcquireJob(ex.AcquireJobRequest(node_name=name), timeout=10).assignment.job_attempt
    stub.ReportProgress(ex.ReportProgressRequest(job_attempt=attempt))  # the solver runs: RUNNING
    return attempt


@pytest.mark.parametrize("cluster", [{"retry_rules": RULES}], indirect=True)
def test_a_lost_nodes_job_waits_out_its_backoff_runs_elsewhere_then_fails_with_its_history(cluster, tmp_path):
    execution = cluster.server.execution
    model, extra = beam(tmp_path / "m")
    with cluster.client() as client:
        job = client.submit(model, cpus=1, files=extra)
        n1 = node_stub(cluster, "n1")
        first = running_on(cluster, n1, "n1")
        assert client.get(job.id).state is JobState.RUNNING
        now = time.time()
        assert execution.sweep_lost(now + LOST_AFTER - 1) == []  # not silent long enough yet
        [lost] = execution.sweep_lost(now + LOST_AFTER + 1)
        assert lost.state.value == "WAITING" and lost.attempts_used == 1 and lost.retry_at is not None
        waiting = client.get(job.id)
        assert waiting.state is JobState.WAITING and "node n1 lost" in waiting.error_message
        assert [r.code for r in cluster.server.queue.wait_info(job.id, now).reasons] == [Code.RETRY_BACKOFF]
        assert 1.0 <= lost.retry_at - (now + LOST_AFTER + 1) <= 2.0

        # the lost node comes back: its attempt is no longer current, and it is told to stop it
        with pytest.raises(grpc.RpcError) as e:
            n1.ReportProgress(ex.ReportProgressRequest(job_attempt=first))
        assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        beat = n1.Heartbeat(ex.HeartbeatRequest(node_name="n1", running=[first]))
        assert [(s.job_id, s.attempt) for s in beat.stop] == [(job.id, 1)]

        cluster.server.queue.wake_due(lost.retry_at)  # its backoff is over
        n2 = node_stub(cluster, "n2")
        second = running_on(cluster, n2, "n2")
        assert (second.job_id, second.attempt) == (job.id, 2)
        [failed] = execution.sweep_lost(time.time() + LOST_AFTER + 1)  # n2 is lost as well: 2 of 2 used
        final = client.get(job.id)
    assert failed.state.value == final.state.value == "FAILED" and final.error_class.value == "system"
    assert "2 of 2 attempts used" in final.error_message
    assert "attempt 1 on n1: node_lost" in final.error_message and "attempt 2 on n2: node_lost" in final.error_message
    assert [(h.attempt, h.node) for h in cluster.server.store.get(job.id).history] == [(1, "n1"), (2, "n2")]
    S = JobState
    assert [(c.state, c.attempt, c.node) for c in final.state_history] == [  # as the API tells it
        (S.BLOCKED, 0, ""), (S.WAITING, 0, ""), (S.STARTING, 1, "n1"), (S.RUNNING, 1, "n1"), (S.WAITING, 1, ""),
        (S.STARTING, 2, "n2"), (S.RUNNING, 2, "n2"), (S.FAILED, 2, "n2")]
    assert final.state_history[-1].time == final.end_time
    assert cluster.server.nodes.jobs_on("n2") == set() and cluster.server.slots.holders("n2") == []


def test_after_a_scheduler_restart_running_jobs_are_honoured_for_a_grace(cluster, tmp_path, loop_thread):
    model, extra = beam(tmp_path / "m")
    with cluster.client() as client:
        job = client.submit(model, cpus=1, files=extra)
    running_on(cluster, node_stub(cluster, "n1"), "n1")

    async def restart() -> SchedulerServer:
        await cluster.server.stop(grace=1)
        again = SchedulerServer(cluster.server.config)
        await again.start()
        return again

    cluster.server = loop_thread.run(restart())  # the node has not re-attached yet
    execution = cluster.server.execution
    assert execution.sweep_lost(execution.started_at + LOST_AFTER - 1) == []
    assert cluster.server.store.get(job.id).state.value == "RUNNING"
    [lost] = execution.sweep_lost(execution.started_at + LOST_AFTER + 1)
    assert lost.id == job.id and lost.state.value == "WAITING"


def test_a_cancelled_job_on_a_lost_node_ends_cancelled(cluster, tmp_path):
    model, extra = beam(tmp_path / "m")
    with cluster.client() as client:
        job = client.submit(model, cpus=1, files=extra)
        running_on(cluster, node_stub(cluster, "n1"), "n1")
        client.cancel(job.id)  # asks the node to stop; the node never answers
        [ended] = cluster.server.execution.sweep_lost(time.time() + LOST_AFTER + 1)
        assert ended.state.value == "CANCELLED" and client.get(job.id).state is JobState.CANCELLED


CALLS = {
    "progress": lambda stub, attempt: stub.ReportProgress(ex.ReportProgressRequest(
        job_attempt=attempt, progress=job_pb2.Progress(step=1, total_steps=2, increment=3))),
    "complete": lambda stub, attempt: stub.CompleteJob(ex.CompleteJobRequest(job_attempt=attempt,
                                                                             outcome=ex.OUTCOME_SUCCEEDED)),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_late_call_that_loses_its_race_to_another_scheduler_is_refused_not_applied(cluster, tmp_path,
                                                                                     monkeypatch, call):
    """Between the fence check and the write, another scheduler (another handle on the same store)
    gives the job to n2 as attempt 2: the write loses its race, and what it re-reads is fenced too."""
    from scheduler.domain import states
    from scheduler.domain.job import JobState as Stored
    from scheduler.store import SqliteStore

    model, extra = beam(tmp_path / "m")
    with cluster.client() as client:
        job = client.submit(model, cpus=1, files=extra)
    n1 = node_stub(cluster, "n1")
    first = running_on(cluster, n1, "n1")
    store = cluster.server.store
    other = SqliteStore(cluster.server.config.database)
    update = store.update

    def overtaken(changed):
        monkeypatch.setattr(store, "update", update)
        current = other.get(job.id)
        requeued = other.update(states.transition(current, Stored.WAITING, time.time(), attempts_used=1))
        other.update(states.assign(requeued, "n2", time.time()))
        return update(changed)  # loses: the version moved on

    monkeypatch.setattr(store, "update", overtaken)
    with pytest.raises(grpc.RpcError) as e:
        CALLS[call](n1, first)
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION, e.value.details()
    assert store.update is update  # the race did happen
    stored = store.get(job.id)
    assert (stored.state.value, stored.attempt, stored.node) == ("STARTING", 2, "n2")
    other.close()
