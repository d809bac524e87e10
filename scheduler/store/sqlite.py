"""The embedded store: one SQLite file in WAL mode, one JSON document per job and per token."""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

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
from .protocol import JobPage, LogRow, NewJob, StoreError

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    request_id TEXT NOT NULL,
    state TEXT NOT NULL,
    create_time REAL NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    brief TEXT
);
CREATE TABLE IF NOT EXISTS job_inputs (
    job_id TEXT PRIMARY KEY,
    files TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_request ON jobs (owner, request_id) WHERE request_id != '';
CREATE INDEX IF NOT EXISTS jobs_newest ON jobs (create_time DESC, id DESC);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, create_time, id);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS job_logs (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time REAL NOT NULL,
    attempt INTEGER NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'solver',
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    team TEXT NOT NULL,
    request_id TEXT NOT NULL,
    create_time REAL NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS batches_request ON batches (owner, request_id) WHERE request_id != '';
CREATE INDEX IF NOT EXISTS batches_newest ON batches (create_time DESC, id DESC);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    token_id TEXT NOT NULL UNIQUE,
    user TEXT NOT NULL,
    created REAL NOT NULL,
    doc TEXT NOT NULL
);
"""
_FINAL = tuple(s.value for s in FINAL_STATES)
# Finished jobs by end time, for clean-up: an index on the documents' end_time.
_FINISHED = "state IN (" + ",".join(f"'{s}'" for s in sorted(_FINAL)) + ")"
_ENDED = "COALESCE(json_extract(doc, '$.end_time'), 0)"


def _brief(job: Job) -> str | None:
    return None if job.state.is_final else json.dumps(Brief.of(job).to_list())


def _inputs(inline: Mapping[str, bytes]) -> str:
    """Inline inputs as their table keeps them, apart from the job's row (which every change of the
    job rewrites whole): {name: base64}."""
    return json.dumps({n: base64.b64encode(c).decode() for n, c in inline.items()})


def _log_rows(job_id: str, first: int, lines: Sequence[LogRow]) -> list[tuple]:
    return [(job_id, seq, t, attempt, Level(level).value, text[:MAX_TEXT], Source(source).value)
            for seq, (t, attempt, level, text, source) in enumerate(lines, start=first)]


# A new job whose id or (owner, request id) is taken adds nothing: the insert tells which it was.
_INSERT_JOB = ("INSERT INTO jobs (id, owner, request_id, state, create_time, version, doc, brief) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
# `request_id != ''` lets SQLite use the partial unique index rather than read every job
_BY_REQUEST = "SELECT doc FROM jobs WHERE owner = ? AND request_id = ? AND request_id != ''"
_INSERT_LOG = "INSERT INTO job_logs (job_id, seq, time, attempt, level, text, source) VALUES (?, ?, ?, ?, ?, ?, ?)"
CHECKPOINT_S = 0.1  # how often the WAL is copied into the database file, off the writers' thread


class SqliteStore:
    """Every write is a transaction committed before the call returns (WAL, synchronous=NORMAL:
    a committed write survives the process being killed). Checkpoints, which copy the WAL into
    the database file, run on a thread of their own so that commits stay short."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's, not the writers'
        self._db.execute("PRAGMA journal_size_limit=67108864")
        self._db.executescript(SCHEMA)
        if "brief" not in {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}:
            self._db.execute("ALTER TABLE jobs ADD COLUMN brief TEXT")  # a store from before briefs
        if "source" not in {row[1] for row in self._db.execute("PRAGMA table_info(job_logs)")}:
            self._db.execute("ALTER TABLE job_logs ADD COLUMN source TEXT NOT NULL DEFAULT 'solver'")
        self._db.execute(f"CREATE INDEX IF NOT EXISTS jobs_ended ON jobs ({_ENDED}, id) WHERE {_FINISHED}")
        self._reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._reader.execute("PRAGMA busy_timeout=5000")
        self._read_lock = threading.Lock()
        self._closed = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoints, args=(path,), daemon=True,
                                              name="sqlite-checkpoints")
        self._checkpointer.start()

    def _checkpoints(self, path: Path) -> None:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA busy_timeout=5000")
            while not self._closed.wait(CHECKPOINT_S):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except Exception as e:  # noqa: BLE001 - busy a moment: the next turn copies what this one left
                    log.warning("SQLite checkpoint: %s", e)
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """Several statements as one: all written or none."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as e:
                raise StoreError(str(e)) from e

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        """A query on the reading connection: in WAL mode it sees every committed write and never
        waits for a writer."""
        try:
            with self._read_lock:
                return self._reader.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise StoreError(str(e)) from e

    def _read_one(self, sql: str, params: tuple = ()) -> tuple | None:
        rows = self._read(sql, params)
        return rows[0] if rows else None

    def _run(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        try:
            with self._lock:
                return self._db.execute(sql, params)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as e:
            raise StoreError(str(e)) from e

    def insert(self, job: Job, inline: Mapping[str, bytes] | None = None,
               log_lines: Sequence[LogRow] = ()) -> Job | None:
        return self.insert_all([NewJob(job, inline, log_lines)])[0]

    def insert_all(self, new: Sequence[NewJob]) -> list[Job | None | StoreError]:
        with self._transaction():
            return [self._insert(*one) for one in new]

    def _insert(self, job: Job, inline: Mapping[str, bytes] | None, log_lines: Sequence[LogRow]) -> Job | None:
        """Within a transaction: the job, or the earlier job of its request id (this write's own too)."""
        stored = job if job.version == 1 else job.evolve(version=1)
        added = self._db.execute(_INSERT_JOB, (job.id, job.owner, job.request_id, job.state.value, job.create_time,
                                               1, json.dumps(to_dict(stored)), _brief(stored))).rowcount
        if not added:
            row = self._db.execute(_BY_REQUEST, (job.owner, job.request_id)).fetchone() if job.request_id else None
            if row is None:
                raise StoreError(f"job {job.id} already exists")
            return from_dict(json.loads(row[0]))
        if inline:
            self._db.execute("INSERT INTO job_inputs VALUES (?, ?)", (job.id, _inputs(inline)))
        self._db.executemany(_INSERT_LOG, _log_rows(job.id, 1, log_lines))
        return None

    def inline_inputs(self, job_id: str) -> dict[str, bytes]:
        row = self._read_one("SELECT files FROM job_inputs WHERE job_id = ?", (job_id,))
        return {n: base64.b64decode(c) for n, c in json.loads(row[0]).items()} if row else {}

    def by_request(self, owner: str, request_id: str) -> Job | None:
        row = self._read_one(_BY_REQUEST, (owner, request_id))
        return from_dict(json.loads(row[0])) if row else None

    def count_unfinished(self) -> dict[tuple[JobState, str], int]:
        marks = ",".join("?" * len(_FINAL))
        rows = self._read(f"SELECT state, owner, COUNT(*) FROM jobs WHERE state NOT IN ({marks}) GROUP BY state, owner",
                          _FINAL)
        return {(JobState(state), owner): n for state, owner, n in rows}

    def finished_before(self, end_time: float, limit: int) -> list[Job]:
        rows = self._read(f"SELECT doc FROM jobs INDEXED BY jobs_ended WHERE {_FINISHED} AND {_ENDED} < ? "
                          f"ORDER BY {_ENDED}, id LIMIT ?",
                          (end_time, limit))
        return [from_dict(json.loads(r[0])) for r in rows]

    def delete_finished(self, job_id: str) -> bool:
        marks = ",".join("?" * len(_FINAL))
        with self._transaction():
            cur = self._db.execute(f"DELETE FROM jobs WHERE id = ? AND state IN ({marks})", (job_id, *_FINAL))
            if cur.rowcount == 1:
                self._db.execute("DELETE FROM job_logs WHERE job_id = ?", (job_id,))
                self._db.execute("DELETE FROM job_inputs WHERE job_id = ?", (job_id,))
        return cur.rowcount == 1

    def append_log(self, job_id: str, lines: Sequence[LogRow]) -> int:
        with self._transaction():
            last = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM job_logs WHERE job_id = ?",
                                    (job_id,)).fetchone()[0]
            self._db.executemany(_INSERT_LOG, _log_rows(job_id, last + 1, lines))
        return last + len(lines)

    def job_log(self, job_id: str, after: int = 0, limit: int = 1000) -> list[LogLine]:
        rows = self._read("SELECT seq, time, attempt, level, text, source FROM job_logs WHERE job_id = ? AND seq > ? "
                          "ORDER BY seq LIMIT ?", (job_id, after, limit))
        return [LogLine(seq, t, attempt, Level(level), text, Source(source))
                for seq, t, attempt, level, text, source in rows]

    def get_setting(self, name: str) -> tuple[dict, int] | None:
        row = self._read_one("SELECT doc, version FROM settings WHERE name = ?", (name,))
        return (json.loads(row[0]), row[1]) if row else None

    def put_setting(self, name: str, doc: dict, version: int) -> bool:
        if version == 0:
            try:
                self._run("INSERT INTO settings VALUES (?, 1, ?)", (name, json.dumps(doc)))
            except sqlite3.IntegrityError:
                return False
            return True
        cur = self._run("UPDATE settings SET version = version + 1, doc = ? WHERE name = ? AND version = ?",
                        (json.dumps(doc), name, version))
        return cur.rowcount == 1

    def get(self, job_id: str) -> Job | None:
        row = self._read_one("SELECT doc FROM jobs WHERE id = ?", (job_id,))
        return from_dict(json.loads(row[0])) if row else None

    def update(self, job: Job) -> Job | None:
        stored = job.evolve(version=job.version + 1)
        sources = sorted(s.value for s in SOURCES[job.state])
        cur = self._run(
            f"UPDATE jobs SET state = ?, version = ?, doc = ?, brief = ? WHERE id = ? AND version = ? "
            f"AND state IN ({','.join('?' * len(sources))})",
            (stored.state.value, stored.version, json.dumps(to_dict(stored)), _brief(stored), job.id, job.version,
             *sources),
        )
        return stored if cur.rowcount == 1 else None

    def list(
        self, *, states: Collection[JobState] = (), page_size: int = 100, cursor: str | None = None,
        owner: str | None = None, team: str | None = None,
    ) -> JobPage:
        where, params = [], []
        whose = []
        if owner is not None:
            whose.append("owner = ?")
            params.append(owner)
        if team:
            whose.append("json_extract(doc, '$.team') = ?")
            params.append(team)
        if whose:
            where.append(f"({' OR '.join(whose)})")
        if states:
            where.append(f"state IN ({','.join('?' * len(states))})")
            params += [s.value for s in states]
        if cursor:
            create_time, job_id = decode_cursor(cursor, 2)
            where.append("(create_time < ? OR (create_time = ? AND id < ?))")
            params += [create_time, create_time, job_id]
        sql = "SELECT doc FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY create_time DESC, id DESC LIMIT ?"
        rows = self._read(sql, (*params, page_size + 1))
        jobs = [from_dict(json.loads(r[0])) for r in rows[:page_size]]
        more = len(rows) > page_size
        return JobPage(jobs, encode_cursor([jobs[-1].create_time, jobs[-1].id]) if more else None)

    def unfinished(self) -> list[Brief]:
        rows = self._read(
            f"SELECT brief, CASE WHEN brief IS NULL THEN doc END FROM jobs WHERE state NOT IN "
            f"({','.join('?' * len(_FINAL))}) ORDER BY create_time, id",
            _FINAL,
        )
        briefs = [Brief.from_list(json.loads(brief)) if brief else Brief.of(from_dict(json.loads(doc)))
                  for brief, doc in rows]
        return [b if isinstance(b, Brief) else Brief.of(self.get(b)) for b in briefs]  # another format: from the job

    def insert_batch(self, batch: Batch) -> Batch | None:
        stored = batch.evolve(version=1)
        try:
            self._run("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (batch.id, batch.owner, batch.team, batch.request_id, batch.create_time, 1,
                       json.dumps(batch_to_dict(stored))))
        except sqlite3.IntegrityError as e:
            row = self._read_one("SELECT doc FROM batches WHERE owner = ? AND request_id = ? AND request_id != ''",
                                 (batch.owner, batch.request_id)) if batch.request_id else None
            if row is not None:
                return batch_from_dict(json.loads(row[0]))
            raise StoreError(f"batch {batch.id} already exists") from e
        return None

    def get_batch(self, batch_id: str) -> Batch | None:
        row = self._read_one("SELECT doc FROM batches WHERE id = ?", (batch_id,))
        return batch_from_dict(json.loads(row[0])) if row else None

    def update_batch(self, batch: Batch) -> Batch | None:
        stored = batch.evolve(version=batch.version + 1)
        cur = self._run("UPDATE batches SET version = ?, doc = ? WHERE id = ? AND version = ?",
                        (stored.version, json.dumps(batch_to_dict(stored)), batch.id, batch.version))
        return stored if cur.rowcount == 1 else None

    def list_batches(self, owner: str | None = None, team: str | None = None, limit: int = 100) -> list[Batch]:
        where, params = [], []
        for column, value in (("owner", owner), ("team", team)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = "SELECT doc FROM batches" + (f" WHERE {' OR '.join(where)}" if where else "")
        rows = self._read(sql + " ORDER BY create_time DESC, id DESC LIMIT ?", (*params, limit))
        return [batch_from_dict(json.loads(r[0])) for r in rows]

    def add_token(self, record: TokenRecord) -> bool:
        try:
            self._run("INSERT INTO tokens VALUES (?, ?, ?, ?, ?)",
                      (record.token_hash, record.token_id, record.principal.user, record.created,
                       json.dumps(token_to_dict(record))))
        except sqlite3.IntegrityError:
            return False
        return True

    def get_token(self, token_hash: str) -> TokenRecord | None:
        row = self._read_one("SELECT doc FROM tokens WHERE token_hash = ?", (token_hash,))
        return token_from_dict(json.loads(row[0])) if row else None

    def find_token(self, token_id: str) -> TokenRecord | None:
        row = self._read_one("SELECT doc FROM tokens WHERE token_id = ?", (token_id,))
        return token_from_dict(json.loads(row[0])) if row else None

    def list_tokens(self, user: str | None = None) -> list[TokenRecord]:
        sql, params = "SELECT doc FROM tokens", ()
        if user is not None:
            sql, params = sql + " WHERE user = ?", (user,)
        rows = self._read(sql + " ORDER BY created, token_id", params)
        return [token_from_dict(json.loads(r[0])) for r in rows]

    def replace_token(self, record: TokenRecord) -> bool:
        cur = self._run("UPDATE tokens SET user = ?, doc = ? WHERE token_hash = ?",
                        (record.principal.user, json.dumps(token_to_dict(record)), record.token_hash))
        return cur.rowcount == 1

    def append_audit(self, *entries: AuditEntry) -> None:
        with self._transaction():
            self._db.executemany("INSERT INTO audit (time, doc) VALUES (?, ?)",
                                 [(e.time, json.dumps(asdict(e))) for e in entries])

    def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        rows = self._read("SELECT doc FROM audit ORDER BY seq DESC LIMIT ?", (limit,))
        return [AuditEntry(**json.loads(r[0])) for r in rows]

    def close(self) -> None:
        self._closed.set()
        self._checkpointer.join()
        with self._lock, self._read_lock:
            self._db.close()
            self._reader.close()
