"""Nodes as the operator sees them: state, cores and tokens in use, agent version; removing one;
an agent of an older protocol refused with what to do."""

from __future__ import annotations

import grpc
import pytest

from abaqueue import protocol
from abaqueue.protocol import PROTOCOL_VERSION, package_version
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1.execution_service_pb2_grpc import ExecutionServiceStub
from client import FailedPrecondition, JobState
from client.api import open_channel
from scheduler.domain.identity import Role
from tests.integration.models import beam
from tests.integration.test_stopping import wait_until


def test_nodes_list_state_use_and_agent_and_an_idle_node_can_be_removed(cluster, tmp_path):
    model, _ = beam(tmp_path / "model", seconds=20, increments=20)
    cluster.add_agent("node-1", cpus=4, labels={"pool": "osaka"}, abaqus_versions=("2024",))
    with cluster.client("root", Role.ADMIN) as admin:
        job = admin.submit(model, cpus=2)
        wait_until(lambda: admin.get(job.id).state is JobState.RUNNING, what="the job running")
        [node] = admin.nodes()
        assert (node.state, node.cpus, node.free_cpus, node.job_ids) == ("busy", 4, 2, (job.id,))
        assert node.license_tokens_in_use == 6 and node.labels == {"pool": "osaka"}
        assert node.agent_version == package_version() and node.protocol_version == PROTOCOL_VERSION
        assert node.last_seen_time is not None and node.abaqus_versions == ("2024",)
        admin.drain("node-1")
        assert admin.nodes()[0].state == "draining"
        with pytest.raises(FailedPrecondition, match="holds 1 job"):
            admin.remove_node("node-1")
        admin.cancel(job.id)
        wait_until(lambda: admin.get(job.id).state is JobState.CANCELLED, what="the job cancelled")
        assert admin.remove_node("node-1").name == "node-1"
        assert admin.nodes() == []


def test_an_agent_of_an_older_protocol_is_told_to_update(cluster, monkeypatch):
    stub = ExecutionServiceStub(open_channel(cluster.execution, cluster.token("old-node", Role.NODE)))
    unstated = ex.RegisterNodeRequest(node_name="old-node", cpus=4, agent_version="0.0.9")
    stub.RegisterNode(unstated, timeout=5)  # an agent from before versions: taken as protocol 1, for now
    monkeypatch.setattr(protocol, "MIN_AGENT_PROTOCOL", PROTOCOL_VERSION + 1)  # a release that needs newer agents
    with pytest.raises(grpc.RpcError) as e:
        stub.RegisterNode(ex.RegisterNodeRequest(node_name="old-node", cpus=4, agent_version="0.0.9",
                                                 protocol_version=PROTOCOL_VERSION), timeout=5)
    assert e.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    details = e.value.details()
    assert "protocol_version" in details and "0.0.9" in details and f"speaks protocol {PROTOCOL_VERSION}" in details
    assert "update the agent" in details and "abaqueue nodes install --host old-node" in details
