"""The .sta rows an agent reports go into the job's log (source sta) once each: a report sent again,
or the rows again from the start after an agent restart, add nothing twice."""

from __future__ import annotations

import grpc
import pytest

from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2 as pb
from abaqueue.v1 import submission_service_pb2 as sub
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc
from client.api import open_channel
from scheduler.domain.identity import Role

MODEL = b"*Heading\n*Step\n*Static\n1., 1.\n*End Step\n"
ROWS = [f"   1     {i}   1     0     2     2  0.{i}00      0.{i}00      0.1000" for i in range(1, 6)]


@pytest.fixture
def running(cluster):
    """(the attempt a node was given, that node's execution stub)."""
    with open_channel(cluster.submission, cluster.token("ana")) as s, \
            open_channel(cluster.execution, cluster.token("n1", Role.NODE)) as e:
        execution = ex_grpc.ExecutionServiceStub(e)
        execution.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=4))
        sub_grpc.SubmissionServiceStub(s).CreateJob(sub.CreateJobRequest(
            request_id="r1", name="plate", cpus=1, input_file="plate.inp",
            input_files=[pb.FileInfo(name="plate.inp", content=MODEL)]))
        answer = execution.AcquireJob(ex.AcquireJobRequest(node_name="n1"))
        yield answer.assignment.job_attempt, execution


def test_rows_sent_again_are_kept_once_and_a_bad_count_is_refused(cluster, running):
    attempt, execution = running

    def report(lines, before):
        execution.ReportProgress(ex.ReportProgressRequest(job_attempt=attempt, sta_lines=lines,
                                                          sta_lines_before=before))

    report(ROWS[:2], 0)
    report(ROWS[:2], 0)  # the same report again
    report(ROWS[1:4], 1)
    report(ROWS, 0)  # from the start
    with pytest.raises(grpc.RpcError) as refused:
        report(ROWS, -1)
    logged = [line.text for line in cluster.server.store.job_log(attempt.job_id, 0, 1000) if line.source.value == "sta"]
    assert logged == ROWS
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details().startswith("sta_lines_before:")
