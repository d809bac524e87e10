"""The scheduler as users run it: a process that serves both ports and drains on SIGTERM."""

from __future__ import annotations

import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from client import Client
from client import Role as ClientRole
from client.api import open_channel
from scheduler.devstack.health import wait_serving
from scheduler.devstack.ports import free_ports
from scheduler.domain.identity import Principal, Role
from scheduler.tokens import create_in_store_file

BIN = Path(sys.executable).parent


def test_sigterm_lets_a_call_in_flight_finish_then_exits_cleanly(seaweed, tmp_path):
    sub_port, ex_port = free_ports(2)
    process = subprocess.Popen(
        [str(BIN / "abaqueue-scheduler"), "--port-for-submission", str(sub_port), "--port-for-execution",
         str(ex_port), "--database", str(tmp_path / "s.sqlite3"), "--s3-endpoint", seaweed.endpoint,
         "--bucket", seaweed.bucket, "--long-poll-timeout", "2"],
        env={"AWS_ACCESS_KEY_ID": seaweed.access_key, "AWS_SECRET_ACCESS_KEY": seaweed.secret_key},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_serving(sub_port)
        wait_serving(ex_port)
        admin_token = tmp_path / "admin.token"  # the first start wrote it beside the database
        assert stat.S_IMODE(admin_token.stat().st_mode) == 0o600
        [node_token] = create_in_store_file(tmp_path / "s.sqlite3", [Principal("n1", Role.NODE)])
        with open_channel(f"127.0.0.1:{ex_port}", node_token) as channel:
            stub = ex_grpc.ExecutionServiceStub(channel)
            stub.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=2))
            in_flight = stub.AcquireJob.future(ex.AcquireJobRequest(node_name="n1"), timeout=10)
            time.sleep(0.3)  # let the long-poll reach the server before the signal
            process.send_signal(signal.SIGTERM)
            answer = in_flight.result()  # the long-poll ends normally (empty), not with an error
            assert not answer.HasField("assignment")
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        output = process.stdout.read()
    assert "scheduler stopped" in output
    assert f"wrote the first admin token to {tmp_path / 'admin.token'}" in output


def test_a_scheduler_process_takes_its_tokens_from_a_token_database_process(seaweed, tmp_path):
    db_port, sub_port, ex_port = free_ports(3)
    token_db = subprocess.Popen(
        [str(BIN / "abaqueue-token-database"), "--port", str(db_port), "--database",
         str(tmp_path / "tokens" / "t.sqlite3")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    scheduler = None
    try:
        wait_serving(db_port)
        db_admin = (tmp_path / "tokens" / "admin.token").read_text().strip()
        with Client(f"127.0.0.1:{db_port}", token=db_admin) as tokens:
            credential = tokens.create_token("scheduler-a", ClientRole.ADMIN)[0]
            ana = tokens.create_token("ana", ClientRole.DEVELOPER)[0]
        (tmp_path / "scheduler-a.token").write_text(credential)
        scheduler = subprocess.Popen(
            [str(BIN / "abaqueue-scheduler"), "--port-for-submission", str(sub_port), "--port-for-execution",
             str(ex_port), "--database", str(tmp_path / "s.sqlite3"), "--s3-endpoint", seaweed.endpoint,
             "--bucket", seaweed.bucket, "--address_to_token_database", f"127.0.0.1:{db_port}",
             "--token-database-token-file", str(tmp_path / "scheduler-a.token")],
            env={"AWS_ACCESS_KEY_ID": seaweed.access_key, "AWS_SECRET_ACCESS_KEY": seaweed.secret_key},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_serving(sub_port)
        with Client(f"127.0.0.1:{sub_port}", token=ana) as client:
            assert list(client.list()) == []
            assert [t.user for t in client.list_tokens()] == ["ana"]
        assert not (tmp_path / "admin.token").exists()
        for process in (scheduler, token_db):
            process.send_signal(signal.SIGTERM)
            assert process.wait(20) == 0
    finally:
        for process in (scheduler, token_db):
            if process is not None and process.poll() is None:
                process.kill()
