"""Unpacking a zip of inputs (a model with its includes) into a job directory, safely.

Every entry must land inside the job directory under a name Windows and Abaqus accept: no absolute
paths, drive letters, `..`, links or device names; the unpacked total is bounded by what the
entries really decompress to, not by what their headers claim.
"""

from __future__ import annotations

import lzma
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from abaqueue import file_names

from .solver import MAX_PATH

CHUNK = 1024 * 1024
COMPRESSIONS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
# What a damaged entry raises while it is decompressed.
DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, FileExistsError, NotADirectoryError)


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


def _check_readable(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise UnsafeArchive(f"{info.filename!r}: encrypted entries cannot be unpacked")
    if info.compress_type not in COMPRESSIONS:
        raise UnsafeArchive(f"{info.filename!r}: compression method {info.compress_type} is not supported "
                            "(use deflate)")


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
        files: set[str] = set()  # lower-cased, as Windows compares names
        folders: set[str] = set()
        for info in entries:
            if _is_link(info):
                raise UnsafeArchive(f"{info.filename!r}: links are not allowed")
            parts = _safe_parts(info.filename)
            target = dest.joinpath(*parts)
            if len(str(target)) > MAX_PATH:
                raise UnsafeArchive(f"{info.filename!r}: the path on the node would exceed {MAX_PATH} characters")
            lowered = [p.lower() for p in parts]
            prefixes = {"/".join(lowered[:i]) for i in range(1, len(lowered))}
            if info.is_dir():
                prefixes.add("/".join(lowered))
            if prefixes & files or (not info.is_dir() and "/".join(lowered) in folders):
                raise UnsafeArchive(f"{info.filename!r}: a file and a folder of the same name")
            folders |= prefixes
            if info.is_dir():
                continue
            _check_readable(info)
            if target.exists():
                raise UnsafeArchive(f"{info.filename!r}: would overwrite a file already in the job directory")
            key = "/".join(lowered)
            if key in files:
                raise UnsafeArchive(f"{info.filename!r}: given twice")
            files.add(key)
            plan.append((info, target))
        return _write(zf, plan, dest, max_total_bytes)


def _write(zf: zipfile.ZipFile, plan: list[tuple[zipfile.ZipInfo, Path]], dest: Path,
           max_total_bytes: int) -> list[Path]:
    """Write the planned entries; on any failure remove every file and folder made, then raise."""
    written: list[Path] = []
    made: list[Path] = []
    total = 0
    dest.mkdir(parents=True, exist_ok=True)
    try:
        for info, target in plan:
            for folder in reversed(target.relative_to(dest).parents[:-1]):
                if not (dest / folder).is_dir():
                    (dest / folder).mkdir()
                    made.append(dest / folder)
            with zf.open(info) as src, open(target, "xb") as out:
                written.append(target)
                while chunk := src.read(CHUNK):
                    total += len(chunk)
                    if total > max_total_bytes:
                        raise UnsafeArchive(f"unpacks to more than {max_total_bytes} bytes")
                    out.write(chunk)
    except BaseException as e:
        for path in written:
            path.unlink(missing_ok=True)
        for folder in reversed(made):
            folder.rmdir()
        if isinstance(e, DAMAGED):
            raise UnsafeArchive(f"{info.filename!r}: cannot be unpacked ({e})") from e
        raise
    return written
