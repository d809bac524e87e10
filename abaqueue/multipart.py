"""A large file as a multipart upload through presigned part URLs: several parts at once, each
signed with its own CRC32 (the store refuses a damaged part) and retried on its own; the file's
SHA-256 is computed in the same read. Parts the store already holds (an upload resumed after a
restart) are kept when their size and MD5 ETag match what is on disk."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .checksums import crc32
from .presigned_http import PresignedTarget, send
from .s3_limits import MAX_PARTS, MIN_PART_BYTES
from .transfer_retry import DEFAULT_RETRY, Resignable, RetryPolicy

MiB = 1024 * 1024


class FileChanged(Exception):
    """The file grew or shrank while it was being uploaded."""


@dataclass(frozen=True)
class Part:
    number: int  # 1-based, as S3 counts
    offset: int
    size: int


@dataclass(frozen=True)
class SentPart:
    number: int
    size: int
    etag: str
    crc32: str  # base64, as S3 writes it


def part_size_for(size: int, preferred: int) -> int:
    """`preferred`, raised to S3's minimum and, for a huge file, enough to stay within 10,000 parts."""
    least = -(-size // MAX_PARTS)
    return max(preferred, MIN_PART_BYTES, -(-least // MiB) * MiB)


def plan(size: int, part_size: int) -> list[Part]:
    if size == 0:
        return [Part(1, 0, 0)]
    return [Part(n + 1, offset, min(part_size, size - offset)) for n, offset in enumerate(range(0, size, part_size))]


Signer = Callable[[Part, str], PresignedTarget]  # (part, its CRC32) -> a URL to PUT it to


def upload_parts(
    path: Path, parts: list[Part], sign: Signer, *, stored: Mapping[int, tuple[int, str]] | None = None,
    parallel: int = 4, retry: RetryPolicy = DEFAULT_RETRY, on_retry: Callable[[str], None] | None = None,
    on_sent: Callable[[int], None] | None = None,
) -> tuple[str, list[SentPart]]:
    """Upload `parts` of `path`; the file's SHA-256 (hex) and every part as sent, in order.
    `stored` maps part numbers already in the store to their (size, ETag); `on_sent` hears the
    bytes of each part done."""
    stored = stored or {}
    whole = hashlib.sha256()
    window = threading.BoundedSemaphore(parallel + 1)  # parts read ahead of the senders: bounds memory
    failed = threading.Event()
    futures: list[Future[SentPart]] = []

    def one(part: Part, data: bytes) -> SentPart:
        try:
            crc = crc32(data)
            held = stored.get(part.number)
            if held is not None and held == (part.size, hashlib.md5(data).hexdigest()):
                sent = SentPart(part.number, part.size, held[1], crc)
            else:
                target = Resignable(lambda: sign(part, crc))
                etag = retry.run(f"{path.name} part {part.number}", lambda: send(target.current, data),
                                 refresh=target.refresh, on_retry=on_retry)
                sent = SentPart(part.number, part.size, etag, crc)
            if on_sent is not None:
                on_sent(part.size)
            return sent
        except BaseException:
            failed.set()
            raise
        finally:
            window.release()

    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="part") as pool, open(path, "rb") as f:
        for part in parts:
            if failed.is_set():
                break  # a part failed for good: read no further
            window.acquire()
            data = f.read(part.size)
            if len(data) != part.size:
                window.release()
                raise FileChanged(f"{path.name} is shorter than when its upload began")
            whole.update(data)
            futures.append(pool.submit(one, part, data))
        if not failed.is_set() and f.read(1):
            raise FileChanged(f"{path.name} grew while it was uploaded")
        sent = [fut.result() for fut in futures]  # the first part that failed for good raises
    return whole.hexdigest(), sent
