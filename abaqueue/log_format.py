"""Log lines of the scheduler and the agent, plain or JSON, each naming the job, attempt and node it
is about: from the record (a LoggerAdapter's `job`, `attempt`, `node`) or else from the context of
the call or task that logs it (`log_context`)."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator

FIELDS = ("job", "attempt", "node")
_CONTEXT: contextvars.ContextVar[dict[str, object] | None] = contextvars.ContextVar("log_context", default=None)
PLAIN = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"


@contextlib.contextmanager
def log_context(**ids: object) -> Iterator[None]:
    """Name `job`, `attempt` and/or `node` on every line logged inside (empty values are left out)."""
    token = _CONTEXT.set(_with(ids))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def set_context(**ids: object) -> None:
    """Name these for the rest of the current task (a task copies its context when it starts)."""
    _CONTEXT.set(_with(ids))


def _with(ids: dict[str, object]) -> dict[str, object]:
    return {**(_CONTEXT.get() or {}), **{k: v for k, v in ids.items() if v not in (None, "")}}


class Context(logging.Filter):
    """Puts `job`, `attempt` and `node` on every record (None when unknown) and `context`, their
    plain form: ` [job J attempt N node X]`, or empty."""

    def filter(self, record: logging.LogRecord) -> bool:
        known = _CONTEXT.get() or {}
        for name in FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, known.get(name))
        parts = [f"{name} {getattr(record, name)}" for name in FIELDS if getattr(record, name) is not None]
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, job, attempt, node (and the error)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record), "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage()}
        line.update({name: getattr(record, name, None) for name in FIELDS if getattr(record, name, None) is not None})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonLines()
    if kind == "plain":
        return logging.Formatter(PLAIN)
    raise ValueError(f"log format {kind!r}: plain or json")


def prepare(handler: logging.Handler, kind: str) -> logging.Handler:
    handler.addFilter(Context())
    handler.setFormatter(formatter(kind))
    return handler


def setup(level: str = "INFO", kind: str = "plain", handlers: list[logging.Handler] | None = None) -> None:
    """The root logger at `level`, every handler (default: stderr) in the `kind` format."""
    handlers = handlers or [logging.StreamHandler()]
    logging.basicConfig(level=level.upper(), handlers=[prepare(h, kind) for h in handlers], force=True)
