"""Jobs and tokens to plain JSON-able dicts and back, shared by every backend."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from typing import Any

from ..domain.batch import Batch
from ..domain.identity import Principal, Role, TokenRecord
from ..domain.job import AttemptRecord, ErrorClass, FileSpec, Job, JobState, Progress, SolverOptions, StateChange
from ..domain.limits import field_names


def to_dict(job: Job) -> dict[str, Any]:
    doc = _plain(job)
    doc["state"] = job.state.value
    doc["error_class"] = job.error_class.value if job.error_class else None
    return doc


def _plain(value: Any) -> Any:
    """`dataclasses.asdict` without its deep copies: dataclasses to dicts, tuples to lists (as JSON
    writes them), everything else as it is; this runs for every write of a job."""
    kind = type(value)
    if kind in _AS_THEY_ARE:
        return value
    names = field_names(kind)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if kind is tuple or kind is list:
        return [_plain(v) for v in value]
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    return value


_AS_THEY_ARE = frozenset({str, int, float, bool, type(None)})



def from_dict(doc: dict[str, Any]) -> Job:
    d = dict(doc)
    d["state"] = JobState(d["state"])
    d["error_class"] = ErrorClass(d["error_class"]) if d.get("error_class") else None
    d["input_files"] = tuple(FileSpec(**f) for f in d["input_files"])
    d["result_files"] = tuple(FileSpec(**f) for f in d["result_files"])
    d["missing_files"] = tuple(d["missing_files"])
    d["reasons"] = tuple(d["reasons"])
    d["required_labels"] = tuple(tuple(pair) for pair in d.get("required_labels", ()))
    d["progress"] = Progress(**d["progress"])
    d["history"] = tuple(AttemptRecord(**h) for h in d.get("history", ()))
    d["sta_rows"] = tuple(d.get("sta_rows", (0, 0)))
    d["states"] = tuple(StateChange(JobState(c["state"]), c["time"], c["attempt"], c["node"])
                        for c in d.get("states", ()))
    solver = d.get("solver") or {}
    d["solver"] = SolverOptions(**{**solver, "result_patterns": tuple(solver.get("result_patterns", ()))})
    return Job(**d)


def batch_to_dict(batch: Batch) -> dict[str, Any]:
    return asdict(batch)


def batch_from_dict(doc: dict[str, Any]) -> Batch:
    return Batch(**{**doc, "job_ids": tuple(doc.get("job_ids", ()))})


def token_to_dict(record: TokenRecord) -> dict[str, Any]:
    doc = asdict(record)
    doc["principal"]["role"] = record.principal.role.value
    return doc


def token_from_dict(doc: dict[str, Any]) -> TokenRecord:
    d = dict(doc)
    d["principal"] = Principal(**{**d["principal"], "role": Role(d["principal"]["role"])})
    return TokenRecord(**d)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeError) as e:
        raise ValueError("malformed page token") from e
    if not isinstance(values, list) or len(values) != arity:
        raise ValueError("malformed page token")
    return values
