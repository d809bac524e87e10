"""File bytes to and from the blob store through presigned requests, each checked against its FileInfo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath

from abaqueue import multipart, presigned_http
from abaqueue.http_connections import HTTP_ERRORS
from abaqueue.presigned_http import PresignedTarget
from abaqueue.ranged_download import download_ranges
from abaqueue.transfer_retry import DEFAULT_RETRY, Resignable
from abaqueue.v1 import job_pb2

from .errors import AbaqueueError, ChecksumMismatch, TransferFailed
from .models import FileInfo


def describe(path: Path) -> FileInfo:
    """The name, size and SHA-256 of a local file."""
    digest = presigned_http.file_digest(path)
    return FileInfo(path.name, digest.size_bytes, digest.sha256)


def upload(request: job_pb2.PresignedRequest, path: Path, declared: FileInfo,
           sign_again: Callable[[], job_pb2.PresignedRequest], on_sent: Callable[[int], None] | None = None) -> None:
    """PUT `path` (retried, with a fresh URL from `sign_again()` after a 403); raise
    ChecksumMismatch if what was sent differs from `declared`. `on_sent` hears the bytes sent."""
    target = Resignable(lambda: PresignedTarget.of(sign_again()), first=PresignedTarget.of(request))
    with _transfer_errors():
        sent = DEFAULT_RETRY.run(path.name, lambda: presigned_http.upload(target.current, path, on_sent),
                                 refresh=target.refresh)
    _check(declared, sent, "changed while it was uploaded")


PartSigner = Callable[[str, multipart.Part, str], job_pb2.PresignedRequest]  # (upload id, part, its CRC32)


def upload_in_parts(path: Path, declared: FileInfo, *, start: Callable[[], tuple[str, list[job_pb2.UploadPart]]],
                    sign: PartSigner, join: Callable[[str, list[job_pb2.UploadPart]], int], part_bytes: int,
                    parallel: int, on_sent: Callable[[int], None] | None = None) -> None:
    """`path` as a multipart upload: `start()` opens it (or finds the one in progress, whose stored
    parts are kept), `sign` gives each part's URL, `join` puts the parts together."""
    upload_id, stored = start()
    parts = multipart.plan(declared.size_bytes, multipart.part_size_for(declared.size_bytes, part_bytes))
    with _transfer_errors():
        whole, sent = multipart.upload_parts(
            path, parts, lambda part, sha: PresignedTarget.of(sign(upload_id, part, sha)), parallel=parallel,
            stored={p.part_number: (p.size_bytes, p.etag) for p in stored}, on_sent=on_sent)
    if whole != declared.sha256:
        raise ChecksumMismatch(f"{declared.name} changed while it was uploaded")
    size = join(upload_id, [job_pb2.UploadPart(part_number=p.number, size_bytes=p.size, crc32=p.crc32, etag=p.etag)
                            for p in sent])
    if size != declared.size_bytes:
        raise ChecksumMismatch(f"{declared.name}: the store joined {size} bytes, {declared.size_bytes} were sent")


def download(sign: Callable[[], job_pb2.PresignedRequest], dest: Path, declared: FileInfo, *,
             parallel: int = 4, on_received: Callable[[int], None] | None = None) -> Path:
    """GET a file into the folder `dest` as parallel ranged requests (`sign()` gives a fresh
    presigned GET, asked again when one expires); a file that differs from `declared` is deleted."""
    if not is_plain_name(declared.name):
        raise AbaqueueError(f"the scheduler offered a result file with an unsafe name {declared.name!r}")
    path = dest / declared.name

    def fresh() -> presigned_http.PresignedTarget:
        return PresignedTarget.of(sign())

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


def to_proto(f: FileInfo, unpack: bool = False, content: bytes | None = None) -> job_pb2.FileInfo:
    """`content`: the file sent inline (its size and SHA-256 are then the scheduler's to take from it)."""
    if content is not None:
        return job_pb2.FileInfo(name=f.name, unpack=unpack, content=content)
    return job_pb2.FileInfo(name=f.name, size_bytes=f.size_bytes, sha256=f.sha256, unpack=unpack)


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
    except HTTP_ERRORS as e:
        raise TransferFailed(f"the blob store could not be reached: {e}") from e
    except multipart.FileChanged as e:
        raise ChecksumMismatch(str(e)) from e
