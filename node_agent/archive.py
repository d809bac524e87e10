"""Unpacking a zip of inputs (a model with its includes) into a job directory, safely.

Every entry must land inside the job directory under a name Windows and Abaqus accept: no absolute
paths, drive letters, `..`, links or device names; the unpacked total is bounded by what the
entries really decompress to, not by what their headers claim.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from abaqueue import file_names

from .solver import MAX_PATH

CHUNK = 1024 * 1024


class UnsafeArchive(Exception):
    """The archive would write outside the job directory, or more than allowed."""


def _safe_parts(name: str) -> tuple[str, ...]:
    if "\\" in name:
        raise UnsafeArchive(f"{name!r}: backslashes are not path separators in a zip")
    path = PurePosixPath(name)
    if path.is_absolute():
        raise UnsafeArchive(f"{name!r}: absolute path")
    parts = tuple(p for p in path.parts if p not in ("", "."))
    if not parts:
        raise UnsafeArchive(f"{name!r}: empty name")
    for part in parts:
        if part == "..":
            raise UnsafeArchive(f"{name!r}: '..' would leave the job directory")
        why = file_names.problem(part)
        if why:
            raise UnsafeArchive(f"{name[:80]!r}: {why}")
    return parts


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def safe_extract(archive: Path, dest: Path, *, max_total_bytes: int, max_entries: int = 10_000) -> list[Path]:
    """Unpack `archive` into `dest`; the files written. Raises UnsafeArchive before writing
    anything for a bad name or link, and stops (removing what it wrote) once the bytes really
    decompressed pass `max_total_bytes`."""
    dest = dest.resolve()
    with zipfile.ZipFile(archive) as zf:
        entries = zf.infolist()
        if len(entries) > max_entries:
            raise UnsafeArchive(f"{len(entries)} entries; at most {max_entries}")
        plan: list[tuple[zipfile.ZipInfo, Path]] = []
        seen: set[str] = set()
        for info in entries:
            if _is_link(info):
                raise UnsafeArchive(f"{info.filename!r}: links are not allowed")
            parts = _safe_parts(info.filename)
            target = dest.joinpath(*parts)
            if len(str(target)) > MAX_PATH:
                raise UnsafeArchive(f"{info.filename!r}: the path on the node would exceed {MAX_PATH} characters")
            if info.is_dir():
                continue
            if target.exists():
                raise UnsafeArchive(f"{info.filename!r}: would overwrite a file already in the job directory")
            key = "/".join(parts).lower()  # Windows file names ignore case
            if key in seen:
                raise UnsafeArchive(f"{info.filename!r}: given twice")
            seen.add(key)
            plan.append((info, target))
        written: list[Path] = []
        total = 0
        try:
            for info, target in plan:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:
                    written.append(target)
                    while chunk := src.read(CHUNK):
                        total += len(chunk)
                        if total > max_total_bytes:
                            raise UnsafeArchive(f"unpacks to more than {max_total_bytes} bytes")
                        out.write(chunk)
        except (FileExistsError, NotADirectoryError) as e:  # a file where the archive wants a directory
            for path in written:
                path.unlink(missing_ok=True)
            raise UnsafeArchive(f"{Path(e.filename or '').name!r}: a file and a directory of the same name") from e
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return written
