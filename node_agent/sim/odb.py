"""A stand-in NAME.odb: deterministic bytes derived from the job name and the final size.

Transfers and checksums need real bytes, and tests need to know them in advance: `odb_bytes`
gives the whole file, `grow_odb` appends to the file on disk up to a given length, as the solver
writes frames step by step.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

MAGIC = b"ABAQUS-SIM ODB 1\n"
BLOCK = 64 * 1024


def odb_bytes(job: str, size: int, start: int = 0, end: int | None = None) -> bytes:
    """Bytes [start, end) of the odb of `job` whose full size is `size` bytes."""
    end = size if end is None else min(end, size)
    if start >= end:
        return b""
    head = MAGIC + f"job={job} size={size}\n".encode()
    parts = []
    position = start
    while position < end:
        if position < len(head):
            piece = head[position:end]
        else:
            block, offset = divmod(position - len(head), BLOCK)
            piece = _block(job, size, block)[offset: offset + end - position]
        parts.append(piece)
        position += len(piece)
    return b"".join(parts)


def grow_odb(path: Path, job: str, size: int, length: int) -> None:
    """Extend the odb at `path` to `length` bytes of its final content (nothing when already longer)."""
    current = path.stat().st_size if path.exists() else 0
    if length > current:
        with open(path, "ab") as f:
            f.write(odb_bytes(job, size, current, length))


def _block(job: str, size: int, index: int) -> bytes:
    seed = int.from_bytes(hashlib.sha256(f"{job}\0{size}\0{index}".encode()).digest()[:8], "big")
    return random.Random(seed).randbytes(BLOCK)
