"""The DynamoDB table design: keys that sort as the values do, and queue keys spread evenly."""

from __future__ import annotations

import uuid
from collections import Counter

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scheduler.domain.identity import Principal, Role, TokenRecord, hash_token
from scheduler.store import DynamoStore, StoreError
from scheduler.store.dynamodb_table import INDEXES, SHARDS, check_table, create_table, shard_of, time_key


def test_time_keys_sort_as_time_then_id():
    pairs = [(1000.5, "b"), (999.999999, "z"), (1000.5, "a"), (1e9 + 0.25, "c"), (0.0, "q")]
    assert sorted(pairs) == sorted(pairs, key=lambda p: time_key(*p))


def test_queue_keys_spread_over_every_shard():
    """10,000 job ids (uuid4, as the scheduler makes them): each shard takes 1/8 within 10 %."""
    counts = Counter(shard_of(str(uuid.uuid4())) for _ in range(10_000))
    assert set(counts) == set(range(SHARDS))
    assert all(abs(n - 10_000 / SHARDS) < 0.1 * 10_000 / SHARDS for n in counts.values()), counts


def test_a_table_of_another_design_is_named_at_start_up():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "good")
        assert check_table(client, "good") is None
        client.create_table(TableName="other", BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        assert "not pk (HASH) and sk (RANGE)" in check_table(client, "other")
        indexes = {i["IndexName"] for i in client.describe_table(TableName="good")["Table"]["GlobalSecondaryIndexes"]}
        assert indexes == set(INDEXES)


def test_a_transaction_cancelled_for_anything_but_a_condition_is_a_store_error_not_a_lost_race():
    """DynamoDB cancels a transaction that met another one on the same item, or was throttled: that
    is "try again" (UNAVAILABLE to the caller), never "this token or job already exists"."""
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    store = DynamoStore(client, "t")
    record = TokenRecord(hash_token("s"), Principal("ana", Role.DEVELOPER), created=1.0)
    with Stubber(client) as stub:
        for codes in (["None", "TransactionConflict"], ["ConditionalCheckFailed", "None"]):
            stub.add_client_error("transact_write_items", "TransactionCanceledException", modeled_fields={
                "CancellationReasons": [{"Code": c} for c in codes]})
        with pytest.raises(StoreError, match="TransactionConflict"):
            store.add_token(record)
        assert store.add_token(record) is False  # its hash is there already: a lost race, as a value
