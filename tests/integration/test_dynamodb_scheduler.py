"""The scheduler on DynamoDB, configured as in AWS: table and bucket names from SSM Parameter Store,
DynamoDB and SSM served by moto's server on a loopback port (`--dev --endpoint`), files in SeaweedFS,
the simulator as the solver."""

from __future__ import annotations

import logging

import boto3
import pytest
from moto.server import ThreadedMotoServer

from client import JobState
from scheduler.devstack.ports import free_port
from scheduler.main import parse_args
from scheduler.server import SchedulerServer
from tests.integration.conftest import Cluster
from tests.integration.models import beam


@pytest.fixture
def aws_endpoint():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_a_job_runs_on_a_dynamodb_store_named_in_ssm_and_survives_a_restart(aws_endpoint, seaweed, loop_thread,
                                                                            tmp_path):
    keys = {"aws_access_key_id": seaweed.access_key, "aws_secret_access_key": seaweed.secret_key}
    ssm = boto3.client("ssm", region_name="eu-west-1", endpoint_url=aws_endpoint, **keys)
    ssm.put_parameter(Name="/abaqueue/job-table", Value="cae-jobs", Type="String")
    ssm.put_parameter(Name="/abaqueue/job-bucket", Value=seaweed.bucket, Type="String")
    config = parse_args([
        "--dev", "--endpoint", aws_endpoint, "--s3-endpoint", seaweed.endpoint, "--region", "eu-west-1",
        "-k", seaweed.access_key, "-s", seaweed.secret_key,
        "--job_table_name_key", "/abaqueue/job-table", "--job_bucket_name_key", "/abaqueue/job-bucket",
        "--port-for-submission", "0", "--port-for-execution", "0", "--heartbeat-interval", "0.5",
        "--long-poll-timeout", "5", "--database", str(tmp_path / "unused.sqlite3"),
    ])
    assert (config.job_table, config.s3.bucket, config.create_job_table) == ("cae-jobs", seaweed.bucket, True)

    async def start():
        server = SchedulerServer(config)
        await server.start()
        return server

    cluster = Cluster(loop_thread.run(start()), loop_thread, tmp_path)
    try:
        model, extra = beam(tmp_path / "model", seconds=1, increments=3)
        cluster.add_agent("node-1", cpus=4)
        with cluster.client() as client:
            done = client.wait(client.submit(model, cpus=2, files=extra).id)
            waiting = client.submit(model, cpus=2, files=extra, labels={"site": "none"})  # no such node: it waits
        assert done.state is JobState.COMPLETED and done.attempt == 1
    finally:
        cluster.close()
    assert not (tmp_path / "unused.sqlite3").exists()  # the jobs went to DynamoDB, not SQLite

    dynamodb = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=aws_endpoint, **keys)
    item = dynamodb.get_item(TableName="cae-jobs", Key={"pk": {"S": f"job#{done.id}"}, "sk": {"S": "job"}})["Item"]
    assert item["state"]["S"] == "COMPLETED" and int(item["version"]["N"]) > 3

    again = Cluster(loop_thread.run(start()), loop_thread, tmp_path)  # the table is there now: used as is
    try:
        with again.client() as client:
            assert client.get(done.id).state is JobState.COMPLETED
            assert client.get(waiting.id).state is JobState.WAITING
        assert len(again.server.queue) == 1
    finally:
        again.close()
