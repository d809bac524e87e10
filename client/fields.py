"""`-o id,state,progress.overall`: fields of a job picked by dotted paths, for tables and JSON.

Each part of a path names a key of the job's JSON form (`abaqueue jobs get ID --json`): the whole
key, or a start that only one key has (`progress.overall` is progress.overall_fraction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import InvalidArgument


def parse(spec: str) -> list[str]:
    paths = [p.strip() for p in spec.split(",") if p.strip()]
    if not paths:
        raise InvalidArgument("-o: name at least one field, e.g. -o id,state,progress.overall")
    return paths


def pick(doc: Mapping[str, Any], path: str) -> Any:
    """The value at `path` in `doc`; None where a part of the way is missing (a job with no progress)."""
    value: Any = doc
    for part in path.split("."):
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise InvalidArgument(f"-o {path}: {part!r} is inside a value that has no fields")
        value = value[_key(value, part, path)]
    return value


def _key(doc: Mapping[str, Any], part: str, path: str) -> str:
    if part in doc:
        return part
    starts = [k for k in doc if k.startswith(part)]
    if len(starts) == 1:
        return starts[0]
    choices = ", ".join(starts or sorted(doc))
    problem = "could be any of" if starts else "is not a field; the fields there are"
    raise InvalidArgument(f"-o {path}: {part!r} {problem} {choices}")


def rows(docs: Sequence[Mapping[str, Any]], paths: Sequence[str]) -> list[dict[str, Any]]:
    """One dict per doc, keyed by the paths as given."""
    return [{p: pick(doc, p) for p in paths} for doc in docs]


def text(value: Any) -> str:
    """A value as a table cell: fractions as percentages are the caller's; None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ",".join(text(v) for v in value) or "-"
    if isinstance(value, Mapping):
        return ",".join(f"{k}={text(v)}" for k, v in value.items()) or "-"
    return str(value)
