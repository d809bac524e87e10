"""Multipart uploads of large files, for the agents' results (and the clients' inputs): the
scheduler opens, signs and joins them with its credentials; the bytes go straight to the store.

Each part URL is signed with the part's CRC32, so the store refuses a damaged part; joining checks
that the store's checksum of the whole is the one the parts make.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from abaqueue.checksums import composite
from abaqueue.presigned_http import PresignedTarget

from .blobs import S3Blobs, StoredPart
from .domain import validation
from .domain.errors import DataLoss
from .domain.job import PartSpec


class MultipartUploads:
    def __init__(self, blobs: S3Blobs) -> None:
        self.blobs = blobs

    async def open(self, key: str, sha256_hex: str = "", fresh: bool = False) -> tuple[str, list[StoredPart]]:
        """The upload in progress for `key`, or (`fresh`: the one in progress aborted) a new one."""
        return await asyncio.to_thread(self.blobs.open_multipart, key, sha256_hex, fresh)

    def sign(self, key: str, file_name: str, upload_id: str, parts: Sequence[PartSpec]) -> list[PresignedTarget]:
        validation.upload_id(upload_id)
        validation.upload_parts(parts)
        return [self.blobs.presign_part(key, file_name, upload_id, p.number, p.crc32) for p in parts]

    async def join(self, key: str, upload_id: str, parts: Sequence[PartSpec]) -> int:
        """Join every part into the object; its size."""
        validation.upload_id(upload_id)
        validation.upload_parts(parts, whole=True)
        checksum = await asyncio.to_thread(self.blobs.complete_multipart, key, upload_id,
                                           [(p.number, p.etag, p.crc32) for p in parts])
        expected = composite([p.crc32 for p in parts])
        if checksum != expected:
            raise DataLoss(f"parts: the store's checksum of the joined file is {checksum}, the parts make {expected}")
        stored = await self.blobs.stat(key)
        if stored is None:
            raise DataLoss("the joined file is not in the store")
        return stored.size_bytes
