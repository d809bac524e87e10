"""Every contract test runs against every backend: SQLite (a real file) and DynamoDB (moto)."""

from __future__ import annotations

import threading

import boto3
import pytest
from moto import mock_aws
from moto.core.models import botocore_stubber

from scheduler.store import DynamoStore, SqliteStore, create_table


class SqliteBackend:
    def __init__(self, tmp_path) -> None:
        self.path = tmp_path / "store.sqlite3"

    def open(self) -> SqliteStore:
        """Another handle on the same data, as a second scheduler (or a restarted one) has."""
        return SqliteStore(self.path)


class DynamoBackend:
    def __init__(self, tmp_path) -> None:
        self.mock = mock_aws()
        self.mock.start()
        # DynamoDB applies each request atomically (a conditional put checks and writes as one);
        # moto checks and writes in two Python steps, so threads could both pass the check. The fake
        # takes one request at a time, as the real service does per item; races between requests stay.
        self._one_at_a_time = threading.Lock()
        process = botocore_stubber.process_request

        def atomic(request):
            with self._one_at_a_time:
                return process(request)

        botocore_stubber.process_request = atomic
        create_table(self._client(), "abaqueue-jobs")

    @staticmethod
    def _client():
        return boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="test",
                            aws_secret_access_key="test")

    def open(self) -> DynamoStore:
        return DynamoStore(self._client(), "abaqueue-jobs")

    def stop(self) -> None:
        del botocore_stubber.process_request
        self.mock.stop()


BACKENDS = {"sqlite": SqliteBackend, "dynamodb": DynamoBackend}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):
    made = BACKENDS[request.param](tmp_path)
    yield made
    if hasattr(made, "stop"):
        made.stop()


@pytest.fixture
def store(backend):
    handle = backend.open()
    yield handle
    handle.close()
