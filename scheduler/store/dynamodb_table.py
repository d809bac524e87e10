"""The DynamoDB table design: one table, generic `pk`/`sk` keys, five sparse secondary indexes.

Items (pk / sk):
  job#ID / job                 a job: version, state, owner, request_id, doc (zlib JSON), index keys
  req#["OWNER","REQUEST_ID"] / req   the job an owner created with a request id (written with the job)
  log#ID / #last               the number of the job's last log line
  log#ID / 0000000042          one log line
  token#SHA256 / token         a token; tokenid#ID / tokenid names the hash of a public token id
  setting#NAME / setting       a settings document and its version
  audit / TIME#ORDER           one audit entry (one partition: denials and admin actions are rare)

Indexes (partition key / sort key, all projecting every attribute):
  by_owner  owner_key "owner#OWNER"          / created "CREATE_TIME#ID"   a user's jobs by time
  by_team   team_key  "team#TEAM"            / created                    a team's jobs (set when a team)
  by_state  state_key "state#STATE#SHARD"    / created                    the queue: jobs by state and time
  by_kind   kind_key  "jobs#SHARD", "tokens" / created                    every job by time; every token
  by_end    ended_key "ended#SHARD"          / ended "END_TIME#ID"        finished jobs by end (clean-up)
Queue and listing keys are spread over SHARDS partitions by a hash of the job id, so no single
partition takes every write (one takes about 1,000 writes/s); readers query every shard and merge.
"""

from __future__ import annotations

import re
import zlib

SHARDS = 8
INDEXES = {
    "by_owner": ("owner_key", "created"),
    "by_team": ("team_key", "created"),
    "by_state": ("state_key", "created"),
    "by_kind": ("kind_key", "created"),
    "by_end": ("ended_key", "ended"),
}


def shard_of(job_id: str) -> int:
    return zlib.crc32(job_id.encode()) % SHARDS


TIME_KEY = re.compile(r"\d{13}\.\d{6}#.+")


def time_key(t: float, ident: str) -> str:
    """Sorts as (t, ident) does: fixed-width seconds with microseconds, then the id."""
    return f"{max(t, 0.0):020.6f}#{ident}"


def create_table(client, name: str) -> None:
    """Create the table and its indexes (on demand capacity) and wait until it is active."""
    attributes = {"pk", "sk"} | {a for keys in INDEXES.values() for a in keys}
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {"IndexName": index,
             "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"},
                           {"AttributeName": range_key, "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "ALL"}}
            for index, (hash_key, range_key) in INDEXES.items()
        ],
    )
    client.get_waiter("table_exists").wait(TableName=name)


def check_table(client, name: str) -> str | None:
    """What is wrong with an existing table for this design (None: nothing)."""
    table = client.describe_table(TableName=name)["Table"]
    keys = {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]}
    if keys != {"pk": "HASH", "sk": "RANGE"}:
        return f"table {name} has keys {keys}, not pk (HASH) and sk (RANGE)"
    missing = set(INDEXES) - {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", ())}
    if missing:
        return f"table {name} lacks the indexes {sorted(missing)}"
    return None
