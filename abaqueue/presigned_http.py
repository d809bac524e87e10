"""Moving file bytes through presigned URLs: stream, never hold a whole file in memory.

Used by the client (inputs up, results down) and by the node agent (inputs down, results up).
The scheduler never calls this: file bytes never pass through it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .http_connections import Connections, Response, ShortBody

CHUNK_BYTES = 1024 * 1024
# Enough connections for the parallel parts of a transfer; a stalled socket fails, to be retried.
_POOL = Connections(connect_s=10.0, read_s=300.0, kept_per_origin=32, blocksize=CHUNK_BYTES)
_CODE = re.compile(r"<Code>([^<]{1,64})</Code>")


class TransferError(Exception):
    """A presigned request was refused or failed; `code` is S3's error code when it gave one."""

    def __init__(self, file_name: str, status: int, detail: str) -> None:
        found = _CODE.search(detail)
        self.code = found.group(1) if found else ""
        super().__init__(f"{file_name}: HTTP {status} {self.code}: {detail[:300]}")
        self.file_name = file_name
        self.status = status


def _refused(target: PresignedTarget, response: Response) -> TransferError:
    return TransferError(target.file_name, response.status, response.data.decode(errors="replace"))


@dataclass(frozen=True)
class PresignedTarget:
    """One presigned HTTP request: send `method` to `url` with `headers` and nothing else."""

    file_name: str
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, request) -> PresignedTarget:
        """From the API's PresignedRequest (any object with its fields)."""
        return cls(request.file_name, request.method, request.url, dict(request.headers))


@dataclass(frozen=True)
class FileDigest:
    size_bytes: int
    sha256: str


def file_digest(path: Path) -> FileDigest:
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            sha.update(chunk)
            size += len(chunk)
    return FileDigest(size, sha.hexdigest())


class _HashingReader:
    """A file wrapper that hashes what is read from it, so an upload is hashed in the same pass."""

    def __init__(self, f: BinaryIO, on_read: Callable[[int], None] | None = None) -> None:
        self._f = f
        self.sha = hashlib.sha256()
        self.size = 0
        self._on_read = on_read

    def read(self, n: int = -1) -> bytes:
        chunk = self._f.read(CHUNK_BYTES if n is None or n < 0 else n)
        self.sha.update(chunk)
        self.size += len(chunk)
        if self._on_read is not None and chunk:
            self._on_read(len(chunk))
        return chunk


def upload(target: PresignedTarget, path: Path, on_sent: Callable[[int], None] | None = None) -> FileDigest:
    """PUT the file at `path` to `target`; return the size and SHA-256 of what was sent.
    `on_sent` hears the bytes as they are read out."""
    size = os.path.getsize(path)
    headers = {**target.headers, "Content-Length": str(size)}
    with open(path, "rb") as f:
        reader = _HashingReader(f, on_sent)
        response = _POOL.request(
            target.method, target.url, body=reader, headers=headers, preload_content=True
        )
    if response.status >= 300:
        raise _refused(target, response)
    return FileDigest(reader.size, reader.sha.hexdigest())


def send(target: PresignedTarget, body: bytes | memoryview) -> str:
    """PUT `body` (one part, or a small file) to `target`; the ETag the store gave it."""
    headers = {**target.headers, "Content-Length": str(len(body))}
    response = _POOL.request(target.method, target.url, body=body, headers=headers, preload_content=True)
    if response.status >= 300:
        raise _refused(target, response)
    return response.headers.get("ETag", "").strip('"')


def fetch_range(target: PresignedTarget, out: BinaryIO, start: int, length: int) -> int:
    """GET bytes `start`..`start+length-1` of `target` into `out` at its position; how many came.
    A short answer raises, so a range is written whole or retried."""
    headers = {**target.headers, "Range": f"bytes={start}-{start + length - 1}"}
    response = _POOL.request(target.method, target.url, headers=headers, preload_content=False)
    try:
        if response.status not in (200, 206) or (response.status == 200 and start > 0):
            raise TransferError(target.file_name, response.status, response.read().decode(errors="replace"))
        got = 0
        for chunk in response.stream(CHUNK_BYTES):
            out.write(chunk)
            got += len(chunk)
    finally:
        response.release_conn()
    if got != length:
        raise ShortBody(f"{target.file_name}: {got} of {length} bytes of a range arrived")
    return got


def download(target: PresignedTarget, dest: Path) -> FileDigest:
    """GET `target` into `dest` (written whole or not at all); return its size and SHA-256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    response = _POOL.request(target.method, target.url, headers=target.headers, preload_content=False)
    try:
        if response.status >= 300:
            raise TransferError(target.file_name, response.status, response.read().decode(errors="replace"))
        sha = hashlib.sha256()
        size = 0
        with open(partial, "wb") as out:
            for chunk in response.stream(CHUNK_BYTES):
                sha.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        response.release_conn()
    os.replace(partial, dest)
    return FileDigest(size, sha.hexdigest())
