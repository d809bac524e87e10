"""TLS on both ports, and mutual TLS for agents: real certificates (trustme), real gRPC."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import trustme

from client import Client, Unavailable
from node_agent.agent import Agent
from node_agent.config import AgentConfig, ConfigError
from scheduler.blobs import S3Settings
from scheduler.config import SchedulerConfig
from scheduler.domain.identity import Principal, Role
from scheduler.server import SchedulerServer

SIM = Path(sys.executable).parent / "abaqus-sim"


@pytest.fixture
def pki(tmp_path):
    """A CA, the scheduler's certificate for 127.0.0.1, and one node's client certificate."""
    ca = trustme.CA()
    files = {"ca": tmp_path / "ca.pem", "cert": tmp_path / "server.pem", "key": tmp_path / "server.key",
             "node_cert": tmp_path / "node.pem", "node_key": tmp_path / "node.key"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    server = ca.issue_cert("127.0.0.1")
    server.private_key_pem.write_to_path(str(files["key"]))
    server.cert_chain_pems[0].write_to_path(str(files["cert"]))
    node = ca.issue_cert("node-1")
    node.private_key_pem.write_to_path(str(files["node_key"]))
    node.cert_chain_pems[0].write_to_path(str(files["node_cert"]))
    return files


@pytest.fixture
def tls_server(seaweed, loop_thread, tmp_path, pki):
    config = SchedulerConfig(
        s3=S3Settings(bucket=seaweed.bucket, endpoint_url=seaweed.endpoint, access_key_id=seaweed.access_key,
                      secret_access_key=seaweed.secret_key),
        database=tmp_path / "scheduler.sqlite3", port_for_submission=0, port_for_execution=0,
        tls_cert=pki["cert"], tls_key=pki["key"], tls_client_ca=pki["ca"], long_poll_timeout_s=2)

    async def start():
        server = SchedulerServer(config)
        await server.start()
        return server

    server = loop_thread.run(start())
    yield server
    loop_thread.run(server.stop(grace=1))


def test_people_reach_the_submission_port_over_tls_only(tls_server, pki):
    token, _ = tls_server.tokens.create(Principal("ana", Role.DEVELOPER))
    address = f"127.0.0.1:{tls_server.submission_port}"
    with Client(address, token=token, ca_file=pki["ca"], timeout=5) as c:
        assert list(c.list()) == []  # no client certificate needed on the people's port
    with Client(address, token=token, timeout=5) as plain, pytest.raises(Unavailable):
        list(plain.list())
    other_ca = trustme.CA()
    with other_ca.cert_pem.tempfile() as untrusted, Client(address, token=token, ca_file=Path(untrusted),
                                                           timeout=5) as c, pytest.raises(Unavailable):
        list(c.list())  # a certificate from a CA the client does not trust


def test_an_agent_with_its_certificate_registers_over_mutual_tls(tls_server, pki, loop_thread, tmp_path):
    token, _ = tls_server.tokens.create(Principal("node-1", Role.NODE))
    token_file = tmp_path / "node.token"
    token_file.write_text(token)
    config = AgentConfig(scheduler=f"127.0.0.1:{tls_server.execution_port}", token_file=token_file,
                         ca_file=pki["ca"], client_cert=pki["node_cert"], client_key=pki["node_key"],
                         node_name="node-1", cpus=2, work_dir=tmp_path / "work", abaqus_command=(str(SIM),))

    async def register():
        agent = Agent(config)
        try:
            await asyncio.wait_for(agent.register(), 10)
        finally:
            await agent.link.close()

    loop_thread.run(register())
    assert tls_server.nodes.get("node-1") is not None

    without_certificate = replace(config, client_cert=None, client_key=None)

    async def refused():
        agent = Agent(without_certificate)
        agent.link.sleep = _give_up  # the link retries UNAVAILABLE forever; stop at the first
        try:
            await agent.register()
        finally:
            await agent.link.close()

    with pytest.raises(GaveUp):
        loop_thread.run(refused())


class GaveUp(Exception):
    pass


async def _give_up(_delay: float) -> None:
    raise GaveUp


def test_agent_tls_settings_must_be_complete(pki):
    with pytest.raises(ConfigError):
        AgentConfig(client_cert=pki["node_cert"], client_key=pki["node_key"]).credentials()
    with pytest.raises(ConfigError):
        AgentConfig(ca_file=pki["ca"], client_cert=pki["node_cert"]).credentials()
    assert AgentConfig().credentials() is None
