"""A file down as parallel ranged GETs through one presigned URL: each range retried on its own
(with a fresh URL after a 403), the SHA-256 computed in order as ranges land, the file written
whole or not at all."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .presigned_http import CHUNK_BYTES, FileDigest, PresignedTarget, download, fetch_range
from .transfer_retry import DEFAULT_RETRY, Resignable, RetryPolicy

RANGE_BYTES = 32 * 1024 * 1024


def download_ranges(
    sign: Callable[[], PresignedTarget], dest: Path, size: int, *, parallel: int = 4,
    range_bytes: int = RANGE_BYTES, retry: RetryPolicy = DEFAULT_RETRY,
    on_retry: Callable[[str], None] | None = None, on_received: Callable[[int], None] | None = None,
    go_on: Callable[[], None] | None = None,
) -> FileDigest:
    """GET the `size` bytes `sign()` points at into `dest`; its size and SHA-256. `go_on()` is
    asked before each range and raises to stop (the transfer slot lapsed); the first range that
    fails for good stops the others."""
    target = Resignable(sign)  # one URL for every range, signed again when it expires

    if size <= range_bytes:  # one request: no ranges needed
        got = retry.run(dest.name, lambda: download(target.current, dest), refresh=target.refresh, on_retry=on_retry)
        if on_received is not None:
            on_received(got.size_bytes)
        return got
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    with open(partial, "wb") as f:
        f.truncate(size)

    failed = threading.Event()

    def one(start: int) -> None:
        if failed.is_set():
            return
        if go_on is not None:
            go_on()
        length = min(range_bytes, size - start)

        def fetch() -> int:
            with open(partial, "r+b") as out:
                out.seek(start)
                return fetch_range(target.current, out, start, length)

        try:
            retry.run(f"{dest.name} bytes {start}-{start + length - 1}", fetch, refresh=target.refresh,
                      on_retry=on_retry)
        except BaseException:
            failed.set()
            raise
        if on_received is not None:
            on_received(length)

    sha = hashlib.sha256()
    try:
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="range") as pool:
            futures = [pool.submit(one, start) for start in range(0, size, range_bytes)]
            with open(partial, "rb") as written:
                for fut in futures:  # hash each range once it is there, in order
                    if failed.is_set():  # a range failed for good: fetch no more, say why
                        pool.shutdown(wait=True, cancel_futures=True)
                        raise next(f.exception() for f in futures
                                   if f.done() and not f.cancelled() and f.exception() is not None)
                    fut.result()
                    left = min(range_bytes, size - written.tell())
                    while left:
                        chunk = written.read(min(CHUNK_BYTES, left))
                        sha.update(chunk)
                        left -= len(chunk)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, dest)
    return FileDigest(size, sha.hexdigest())
