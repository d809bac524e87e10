"""The AWS store: one DynamoDB table (design in dynamodb_table.py). Every job write is conditional
on the version read and on a state the new one may follow; a lost race is a value (None/False)."""

from __future__ import annotations

import heapq
import itertools
import json
import time
import zlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.audit import AuditEntry
from ..domain.batch import Batch
from ..domain.brief import Brief
from ..domain.identity import TokenRecord
from ..domain.job import FINAL_STATES, Job, JobState
from ..domain.job_log import MAX_TEXT, Level, LogLine, Source
from ..domain.states import SOURCES
from .codec import (
    batch_from_dict,
    batch_to_dict,
    decode_cursor,
    encode_cursor,
    from_dict,
    to_dict,
    token_from_dict,
    token_to_dict,
)
from .dynamodb_table import SHARDS, TIME_KEY, shard_of, time_key
from .protocol import JobPage, LogRow, NewJob, StoreError

LOST_RACE = frozenset({"ConditionalCheckFailedException", "TransactionCanceledException"})
LINES_PER_WRITE = 99  # a transaction holds 100 items: the line counter and 99 lines
UNFINISHED = tuple(sorted(s.value for s in JobState if not s.is_final))
FINAL = tuple(sorted(s.value for s in FINAL_STATES))
MAX_LOG_RACES = 20
BATCH_WRITE = 25  # items in one batch_write_item
INSERTS_AT_ONCE = 16  # new jobs written side by side (the client keeps 32 connections)


def S(value: str) -> dict:
    return {"S": value}


def N(value: int) -> dict:
    return {"N": str(value)}


def _pack(doc: dict) -> bytes:
    """Jobs go compressed: 1,000 input and 1,000 result files (names within validation.MAX_NAME_BYTES)
    would not fit an item's 400 KB raw."""
    return zlib.compress(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode(), 6)


def _job_of(item: dict) -> Job:
    return from_dict(json.loads(zlib.decompress(item["doc"]["B"])))


def _job_item(job: Job) -> dict:
    shard = shard_of(job.id)
    item = {
        "pk": S(f"job#{job.id}"), "sk": S("job"), "version": N(job.version), "state": S(job.state.value),
        "owner": S(job.owner), "request_id": S(job.request_id), "doc": {"B": _pack(to_dict(job))},
        "created": S(time_key(job.create_time, job.id)), "owner_key": S(f"owner#{job.owner}"),
        "state_key": S(f"state#{job.state.value}#{shard}"), "kind_key": S(f"jobs#{shard}"),
    }
    if job.team:
        item["team_key"] = S(f"team#{job.team}")
    if job.state.is_final:
        item["ended_key"] = S(f"ended#{shard}")
        item["ended"] = S(time_key(job.end_time or 0.0, job.id))
    else:
        item["brief"] = S(json.dumps(Brief.of(job).to_list()))
    return item


def _inputs_item(job_id: str, inline: Mapping[str, bytes]) -> dict:
    """A job's inline inputs, beside it under its key: no index sees them, no job write rewrites them."""
    return {**_key(f"job#{job_id}", "inputs"), "files": {"M": {name: {"B": c} for name, c in inline.items()}}}


def _line_items(job_id: str, first: int, lines: Sequence[LogRow]) -> list[dict]:
    return [{**_key(f"log#{job_id}", f"{seq:010d}"), "time": {"N": repr(float(t))}, "attempt": N(attempt),
             "level": S(Level(level).value), "text": S(text[:MAX_TEXT]), "source": S(Source(source).value)}
            for seq, (t, attempt, level, text, source) in enumerate(lines, start=first)]


def _last_line_item(job_id: str, last: int) -> dict:
    """A job log's counter: the number of its last line."""
    return {**_key(f"log#{job_id}", "#last"), "last": N(last)}


def _token_item(record: TokenRecord) -> dict:
    return {**_key(f"token#{record.token_hash}", "token"), "user": S(record.principal.user),
            "doc": S(json.dumps(token_to_dict(record))), "kind_key": S("tokens"),
            "created": S(time_key(record.created, record.token_id))}


def _batch_item(batch: Batch) -> dict:
    return {**_key(f"batch#{batch.id}", "batch"), "version": N(batch.version), "owner": S(batch.owner),
            "team": S(batch.team), "doc": {"B": _pack(batch_to_dict(batch))}, "kind_key": S("batches"),
            "created": S(time_key(batch.create_time, batch.id))}


def _batch_of(item: dict) -> Batch:
    return batch_from_dict(json.loads(zlib.decompress(item["doc"]["B"])))


def _key(pk: str, sk: str) -> dict:
    return {"pk": S(pk), "sk": S(sk)}


def _request_key(owner: str, request_id: str) -> dict:
    return _key("req#" + json.dumps([owner, request_id]), "req")


def _in(name: str, values: Sequence[str]) -> tuple[str, dict]:
    """`#name IN (:name0, ...)` and its values."""
    marks = {f":{name}{i}": S(v) for i, v in enumerate(values)}
    return f"#{name} IN ({', '.join(marks)})", marks


class DynamoStore:
    def __init__(self, client, table: str) -> None:
        self._client = client
        self._table = table
        self._audit_seq = itertools.count()
        self._inserting = ThreadPoolExecutor(INSERTS_AT_ONCE, thread_name_prefix="dynamodb-inserts")

    def _call(self, operation: str, **params: Any) -> dict:
        """One request; a lost condition is raised as it is, any other failure is a StoreError."""
        try:
            return getattr(self._client, operation)(**params)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in LOST_RACE:
                raise
            raise StoreError(f"DynamoDB {operation}: {e}") from e
        except BotoCoreError as e:
            raise StoreError(f"DynamoDB {operation}: {e}") from e

    def _transact(self, items: list[dict], *, conflict_loses: bool = False) -> set[int]:
        """Write `items` as one transaction; the indexes of the items whose condition failed (empty:
        all written), and with `conflict_loses` of those another transaction was writing at once. A
        transaction cancelled for anything else (throttling) is a StoreError: the caller's caller
        retries."""
        lost = {"ConditionalCheckFailed", "TransactionConflict"} if conflict_loses else {"ConditionalCheckFailed"}
        try:
            self._call("transact_write_items", TransactItems=items)
        except ClientError as e:
            reasons = e.response.get("CancellationReasons", [])
            failed = {i for i, r in enumerate(reasons) if r.get("Code") in lost}
            if not failed:
                raise StoreError(f"DynamoDB transaction cancelled: {[r.get('Code') for r in reasons]}") from e
            return failed
        return set()

    def _get(self, key: dict) -> dict | None:
        return self._call("get_item", TableName=self._table, Key=key, ConsistentRead=True).get("Item")

    def _put(self, item: dict, condition: str, names: dict | None = None, values: dict | None = None) -> bool:
        params: dict[str, Any] = {"TableName": self._table, "Item": item, "ConditionExpression": condition}
        if names:
            params["ExpressionAttributeNames"] = names
        if values:
            params["ExpressionAttributeValues"] = values
        try:
            self._call("put_item", **params)
        except ClientError:
            return False
        return True

    def _pages(self, operation: str, **params: Any) -> Iterator[dict]:
        while True:
            answer = self._call(operation, TableName=self._table, **params)
            yield from answer.get("Items", ())
            if "LastEvaluatedKey" not in answer:
                return
            params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _index(
        self, index: str, hash_attr: str, hash_value: str, range_attr: str, *, below: str | None = None,
        newest_first: bool = False, states: Collection[str] = (), batch: int = 100,
        project: Sequence[str] = (),
    ) -> Iterator[dict]:
        """Items of one index partition in range-key order (optionally below a key and in some states)."""
        names = {"#h": hash_attr}
        values = {":h": S(hash_value)}
        condition = "#h = :h"
        if below is not None:
            condition += " AND #r < :below"
            names["#r"] = range_attr
            values[":below"] = S(below)
        params: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": condition,
                                  "ScanIndexForward": not newest_first, "Limit": batch}
        if project:  # only these attributes
            names.update({f"#p{i}": name for i, name in enumerate(project)})
            params["ProjectionExpression"] = ", ".join(f"#p{i}" for i in range(len(project)))
        if states:
            names["#state"] = "state"
            expression, marks = _in("state", sorted(states))
            params["FilterExpression"] = expression
            values.update(marks)
        return self._pages("query", ExpressionAttributeNames=names, ExpressionAttributeValues=values, **params)

    # Jobs.
    def insert(self, job: Job, inline: Mapping[str, bytes] | None = None,
               log_lines: Sequence[LogRow] = ()) -> Job | None:
        new = {"TableName": self._table, "Item": _job_item(job if job.version == 1 else job.evolve(version=1)),
               "ConditionExpression": "attribute_not_exists(pk)"}
        puts = [{"Put": new}]
        if job.request_id:
            puts.append({"Put": {"TableName": self._table, "ConditionExpression": "attribute_not_exists(pk)",
                                 "Item": {**_request_key(job.owner, job.request_id), "job_id": S(job.id)}}})
        if inline:
            puts.append({"Put": {"TableName": self._table, "Item": _inputs_item(job.id, inline)}})
        if log_lines:
            if len(puts) + len(log_lines) > LINES_PER_WRITE:
                raise ValueError(f"at most {LINES_PER_WRITE - len(puts)} log lines go with a new job")
            puts += [{"Put": {"TableName": self._table, "Item": item}}
                     for item in (_last_line_item(job.id, len(log_lines)), *_line_items(job.id, 1, log_lines))]
        if len(puts) == 1:
            if not self._put(new["Item"], new["ConditionExpression"]):
                raise StoreError(f"job {job.id} already exists")
            return None
        failed = self._transact(puts)
        if 1 in failed and job.request_id:
            earlier = self.by_request(job.owner, job.request_id)
            if earlier is None:  # cleaned up between the two reads: nothing was stored, try again
                raise StoreError(f"request id {job.request_id!r} was in use a moment ago; try again")
            return earlier
        if failed:
            raise StoreError(f"job {job.id} already exists")
        return None

    def insert_all(self, new: Sequence[NewJob]) -> list[Job | None | StoreError]:
        """One transaction each, INSERTS_AT_ONCE at a time: a job whose write fails does not hold
        back the others, and a group takes a few round trips, not one per job."""
        def insert(one: NewJob) -> Job | None | StoreError:
            try:
                return self.insert(*one)
            except StoreError as e:
                return e

        return [insert(one) for one in new] if len(new) < 2 else list(self._inserting.map(insert, new))

    def get(self, job_id: str) -> Job | None:
        item = self._get(_key(f"job#{job_id}", "job"))
        return _job_of(item) if item else None

    def inline_inputs(self, job_id: str) -> dict[str, bytes]:
        item = self._get(_key(f"job#{job_id}", "inputs"))
        return {name: value["B"] for name, value in item["files"]["M"].items()} if item else {}

    def by_request(self, owner: str, request_id: str) -> Job | None:
        item = self._get(_request_key(owner, request_id))
        return self.get(item["job_id"]["S"]) if item else None

    def update(self, job: Job) -> Job | None:
        stored = job.evolve(version=job.version + 1)
        states, values = _in("state", sorted(s.value for s in SOURCES[job.state]))
        won = self._put(_job_item(stored), f"#version = :version AND {states}",
                        {"#version": "version", "#state": "state"}, {":version": N(job.version), **values})
        return stored if won else None

    def list(
        self, *, states: Collection[JobState] = (), page_size: int = 100, cursor: str | None = None,
        owner: str | None = None, team: str | None = None,
    ) -> JobPage:
        below = None
        if cursor:
            (below,) = decode_cursor(cursor, 1)
            if not isinstance(below, str) or not TIME_KEY.fullmatch(below):
                raise ValueError("malformed page token")
        wanted = sorted({s.value for s in states})
        view = {"below": below, "newest_first": True, "batch": page_size + 1}
        if owner is not None or team:
            streams = []
            if owner is not None:
                streams.append(self._index("by_owner", "owner_key", f"owner#{owner}", "created", states=wanted, **view))
            if team:
                streams.append(self._index("by_team", "team_key", f"team#{team}", "created", states=wanted, **view))
        elif wanted:
            streams = [self._index("by_state", "state_key", f"state#{s}#{k}", "created", **view)
                       for s in wanted for k in range(SHARDS)]
        else:
            streams = [self._index("by_kind", "kind_key", f"jobs#{k}", "created", **view) for k in range(SHARDS)]
        items: list[dict] = []
        for item in heapq.merge(*streams, key=lambda i: i["created"]["S"], reverse=True):
            if items and items[-1]["created"] == item["created"]:
                continue  # the owner's job in the owner's team: found by both
            items.append(item)
            if len(items) > page_size:
                break
        jobs = [_job_of(i) for i in items[:page_size]]
        more = len(items) > page_size
        return JobPage(jobs, encode_cursor([items[page_size - 1]["created"]["S"]]) if more else None)

    def unfinished(self) -> list[Brief]:
        # A consistent scan of the table, not an index: at start-up a job written a moment before the
        # last scheduler died must not be missed because an index had not caught up.
        expression, values = _in("state", UNFINISHED)
        items = self._pages("scan", ConsistentRead=True, FilterExpression=f"begins_with(pk, :job) AND {expression}",
                            ProjectionExpression="brief, created", ExpressionAttributeNames={"#state": "state"},
                            ExpressionAttributeValues={":job": S("job#"), **values})
        briefs = (Brief.from_list(json.loads(i["brief"]["S"])) for i in sorted(items, key=lambda i: i["created"]["S"]))
        return [b if isinstance(b, Brief) else Brief.of(self.get(b)) for b in briefs]

    def count_unfinished(self) -> dict[tuple[JobState, str], int]:
        counts: dict[tuple[JobState, str], int] = {}
        for state in UNFINISHED:
            for k in range(SHARDS):
                for item in self._index("by_state", "state_key", f"state#{state}#{k}", "created", batch=1000,
                                        project=("owner",)):
                    key = (JobState(state), item["owner"]["S"])
                    counts[key] = counts.get(key, 0) + 1
        return counts

    def finished_before(self, end_time: float, limit: int) -> list[Job]:
        streams = [self._index("by_end", "ended_key", f"ended#{k}", "ended", below=time_key(end_time, ""),
                               batch=limit) for k in range(SHARDS)]
        merged = heapq.merge(*streams, key=lambda i: i["ended"]["S"])
        return [_job_of(i) for i in itertools.islice(merged, limit)]

    def delete_finished(self, job_id: str) -> bool:
        job = self.get(job_id)
        if job is None or not job.state.is_final:
            return False
        # The log first: a clean-up cut short leaves a job to delete again, never an orphaned log.
        keys = [{"pk": i["pk"], "sk": i["sk"]} for i in self._pages(
            "query", KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": S(f"log#{job_id}")},
            ProjectionExpression="pk, sk", ConsistentRead=True)]
        self._write_all([{"DeleteRequest": {"Key": k}} for k in keys])
        expression, values = _in("state", FINAL)
        deletes = [{"Delete": {"TableName": self._table, "Key": _key(f"job#{job_id}", "job"),
                               "ConditionExpression": expression, "ExpressionAttributeNames": {"#state": "state"},
                               "ExpressionAttributeValues": values}}]
        if job.request_id:
            deletes.append({"Delete": {"TableName": self._table, "Key": _request_key(job.owner, job.request_id)}})
        if any(f.inline for f in job.input_files):
            deletes.append({"Delete": {"TableName": self._table, "Key": _key(f"job#{job_id}", "inputs")}})
        return not self._transact(deletes)  # a condition failed: deleted meanwhile by another clean-up

    def _write_all(self, requests: list[dict]) -> None:
        """Every request written, BATCH_WRITE (DynamoDB's most) at a time."""
        for start in range(0, len(requests), BATCH_WRITE):
            batch = requests[start:start + BATCH_WRITE]
            for _ in range(10):
                answer = self._call("batch_write_item", RequestItems={self._table: batch})
                batch = answer.get("UnprocessedItems", {}).get(self._table, [])
                if not batch:
                    break
                time.sleep(0.05)
            else:
                raise StoreError("DynamoDB left writes unprocessed ten times")

    # Job logs.
    def append_log(self, job_id: str, lines: Sequence[LogRow]) -> int:
        last = self._last_line(job_id)
        for start in range(0, len(lines), LINES_PER_WRITE):
            chunk = lines[start:start + LINES_PER_WRITE]
            for _ in range(MAX_LOG_RACES):
                if self._append_chunk(job_id, last, chunk):
                    break
                last = self._last_line(job_id)  # another writer appended meanwhile
            else:
                raise StoreError(f"the log of job {job_id} is written too fast; try again")
            last += len(chunk)
        return last

    def _last_line(self, job_id: str) -> int:
        item = self._get(_key(f"log#{job_id}", "#last"))
        return int(item["last"]["N"]) if item else 0

    def _append_chunk(self, job_id: str, last: int, chunk: Sequence[LogRow]) -> bool:
        counter = {"Update": {
            "TableName": self._table, "Key": _key(f"log#{job_id}", "#last"),
            "UpdateExpression": "SET #last = :new",
            "ConditionExpression": "attribute_not_exists(#last) OR #last = :old" if last == 0 else "#last = :old",
            "ExpressionAttributeNames": {"#last": "last"},
            "ExpressionAttributeValues": {":new": N(last + len(chunk)), ":old": N(last)},
        }}
        puts = [{"Put": {"TableName": self._table, "Item": item}} for item in _line_items(job_id, last + 1, chunk)]
        return not self._transact([counter, *puts], conflict_loses=True)

    def job_log(self, job_id: str, after: int = 0, limit: int = 1000) -> list[LogLine]:
        items = self._pages("query", KeyConditionExpression="pk = :pk AND sk > :after", ConsistentRead=True,
                            Limit=min(limit, 1000),
                            ExpressionAttributeValues={":pk": S(f"log#{job_id}"), ":after": S(f"{after:010d}")})
        return [LogLine(int(i["sk"]["S"]), float(i["time"]["N"]), int(i["attempt"]["N"]), Level(i["level"]["S"]),
                        i["text"]["S"], Source(i.get("source", {}).get("S", "solver")))
                for i in itertools.islice(items, limit)]

    # Settings.
    def get_setting(self, name: str) -> tuple[dict, int] | None:
        item = self._get(_key(f"setting#{name}", "setting"))
        return (json.loads(item["doc"]["S"]), int(item["version"]["N"])) if item else None

    def put_setting(self, name: str, doc: dict, version: int) -> bool:
        item = {**_key(f"setting#{name}", "setting"), "version": N(version + 1), "doc": S(json.dumps(doc))}
        if version == 0:
            return self._put(item, "attribute_not_exists(pk)")
        return self._put(item, "#version = :version", {"#version": "version"}, {":version": N(version)})

    # Batches.
    def insert_batch(self, batch: Batch) -> Batch | None:
        new = {"Put": {"TableName": self._table, "Item": _batch_item(batch.evolve(version=1)),
                       "ConditionExpression": "attribute_not_exists(pk)"}}
        requests = [{"Put": {"TableName": self._table, "ConditionExpression": "attribute_not_exists(pk)",
                             "Item": {**_key("breq#" + json.dumps([batch.owner, batch.request_id]), "breq"),
                                      "batch_id": S(batch.id)}}}] if batch.request_id else []
        failed = self._transact([new, *requests])
        if 1 in failed:
            item = self._get(_key("breq#" + json.dumps([batch.owner, batch.request_id]), "breq"))
            earlier = self.get_batch(item["batch_id"]["S"]) if item else None
            if earlier is None:
                raise StoreError(f"request id {batch.request_id!r} was in use a moment ago; try again")
            return earlier
        if failed:
            raise StoreError(f"batch {batch.id} already exists")
        return None

    def get_batch(self, batch_id: str) -> Batch | None:
        item = self._get(_key(f"batch#{batch_id}", "batch"))
        return _batch_of(item) if item else None

    def update_batch(self, batch: Batch) -> Batch | None:
        stored = batch.evolve(version=batch.version + 1)
        written = self._put(_batch_item(stored), "#version = :version", {"#version": "version"},
                            {":version": N(batch.version)})
        return stored if written else None

    def list_batches(self, owner: str | None = None, team: str | None = None, limit: int = 100) -> list[Batch]:
        def wanted(item: dict) -> bool:
            return (owner is None and team is None) or item["owner"]["S"] == owner or item["team"]["S"] == team

        items = (i for i in self._index("by_kind", "kind_key", "batches", "created", newest_first=True, batch=100)
                 if wanted(i))
        return [_batch_of(i) for i in itertools.islice(items, limit)]

    # Tokens.
    def add_token(self, record: TokenRecord) -> bool:
        item = _token_item(record)
        public_id = {**_key(f"tokenid#{record.token_id}", "tokenid"), "token_hash": S(record.token_hash)}
        return not self._transact([
            {"Put": {"TableName": self._table, "Item": i, "ConditionExpression": "attribute_not_exists(pk)"}}
            for i in (item, public_id)])

    def get_token(self, token_hash: str) -> TokenRecord | None:
        item = self._get(_key(f"token#{token_hash}", "token"))
        return token_from_dict(json.loads(item["doc"]["S"])) if item else None

    def find_token(self, token_id: str) -> TokenRecord | None:
        item = self._get(_key(f"tokenid#{token_id}", "tokenid"))
        return self.get_token(item["token_hash"]["S"]) if item else None

    def list_tokens(self, user: str | None = None) -> list[TokenRecord]:
        records = (token_from_dict(json.loads(i["doc"]["S"]))
                   for i in self._index("by_kind", "kind_key", "tokens", "created", batch=1000))
        return [r for r in records if user is None or r.principal.user == user]

    def replace_token(self, record: TokenRecord) -> bool:
        return self._put(_token_item(record), "attribute_exists(pk)")

    # Audit.
    def append_audit(self, *entries: AuditEntry) -> None:
        items = [{"PutRequest": {"Item": {
            **_key("audit", time_key(e.time, f"{time.time_ns():020d}{next(self._audit_seq):08d}")),
            "doc": S(json.dumps(asdict(e)))}}} for e in entries]
        self._write_all(items)

    def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        items = self._pages("query", KeyConditionExpression="pk = :pk", ScanIndexForward=False, Limit=min(limit, 1000),
                            ExpressionAttributeValues={":pk": S("audit")})
        return [AuditEntry(**json.loads(i["doc"]["S"])) for i in itertools.islice(items, limit)]

    def close(self) -> None:
        self._inserting.shutdown()
        self._client.close()
