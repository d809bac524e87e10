"""File bytes to and from the blob store through presigned requests, each checked against its FileInfo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath

import urllib3

from abaqueue import presigned_http
from abaqueue.ranged_download import download_ranges
from abaqueue.v1 import job_pb2

from .errors import AbaqueueError, ChecksumMismatch, TransferFailed
from .models import FileInfo


def describe(path: Path) -> FileInfo:
    """The name, size and SHA-256 of a local file."""
    digest = presigned_http.file_digest(path)
    return FileInfo(path.name, digest.size_bytes, digest.sha256)


def upload(request: job_pb2.PresignedRequest, path: Path, declared: FileInfo) -> None:
    """PUT `path`; raise ChecksumMismatch if what was sent differs from `declared`."""
    with _transfer_errors():
        sent = presigned_http.upload(_target(request), path)
    _check(declared, sent, "changed while it was uploaded")


def download(sign: Callable[[], job_pb2.PresignedRequest], dest: Path, declared: FileInfo, *,
             parallel: int = 4, on_received: Callable[[int], None] | None = None) -> Path:
    """GET a file into the folder `dest` as parallel ranged requests (`sign()` gives a fresh
    presigned GET, asked again when one expires); a file that differs from `declared` is deleted."""
    first = sign()
    if not is_plain_name(first.file_name):
        raise AbaqueueError(f"the scheduler offered a result file with an unsafe name {first.file_name!r}")
    path = dest / first.file_name
    given = [first]

    def fresh() -> presigned_http.PresignedTarget:
        return _target(given.pop() if given else sign())

    with _transfer_errors():
        got = download_ranges(fresh, path, declared.size_bytes, parallel=parallel, on_received=on_received)
    try:
        _check(declared, got, "arrived damaged")
    except ChecksumMismatch:
        path.unlink(missing_ok=True)
        raise
    return path


def is_plain_name(name: str) -> bool:
    """True for a bare file name that cannot escape the destination folder on any system."""
    return name not in ("", ".", "..") and PurePosixPath(name).name == name == PureWindowsPath(name).name


def to_proto(f: FileInfo, unpack: bool = False) -> job_pb2.FileInfo:
    return job_pb2.FileInfo(name=f.name, size_bytes=f.size_bytes, sha256=f.sha256, unpack=unpack)


def _target(request: job_pb2.PresignedRequest) -> presigned_http.PresignedTarget:
    return presigned_http.PresignedTarget(
        request.file_name, request.method, request.url, dict(request.headers))


def _check(expected: FileInfo, got: presigned_http.FileDigest, what: str) -> None:
    if (got.size_bytes, got.sha256) != (expected.size_bytes, expected.sha256):
        raise ChecksumMismatch(
            f"{expected.name} {what}: got {got.size_bytes} bytes with sha256 {got.sha256[:12]}..., "
            f"expected {expected.size_bytes} bytes with sha256 {expected.sha256[:12]}...")


@contextmanager
def _transfer_errors() -> Iterator[None]:
    """Turns presigned-HTTP failures into TransferFailed."""
    try:
        yield
    except presigned_http.TransferError as e:
        raise TransferFailed(str(e)) from e
    except urllib3.exceptions.HTTPError as e:
        raise TransferFailed(f"the blob store could not be reached: {e}") from e
