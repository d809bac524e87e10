"""Idle agents' long-polls do not take the execution port's places: heartbeats still get through."""

from __future__ import annotations

import pytest

from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from client.api import open_channel
from scheduler.domain.identity import Role


@pytest.mark.parametrize("cluster", [{"execution_max_workers": 2, "long_poll_timeout_s": 30}], indirect=True)
def test_fifty_open_long_polls_leave_room_for_heartbeats(cluster):
    channels, polls = [], []
    try:
        stubs = []
        for i in range(51):
            name = f"n{i:02d}"
            channel = open_channel(cluster.execution, cluster.token(name, Role.NODE))
            channels.append(channel)
            stub = ex_grpc.ExecutionServiceStub(channel)
            stub.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name=name, cpus=1))
            stubs.append((name, stub))
        for name, stub in stubs[:50]:
            polls.append(stub.AcquireJob.future(ex.AcquireJobRequest(node_name=name), timeout=60))
        name, stub = stubs[50]
        # more heartbeats at once than the port has places: they queue for a place, none is refused,
        # and none waits for a long-poll to end (the deadline is far shorter than the long-polls)
        beats = [stub.Heartbeat.future(ex.HeartbeatRequest(node_name=name), timeout=5) for _ in range(10)]
        assert [b.result().stop for b in beats] == [[]] * 10
        assert not any(p.done() for p in polls)  # the long-polls are all still open
    finally:
        for p in polls:
            p.cancel()
        for c in channels:
            c.close()
