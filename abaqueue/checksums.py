"""Checksums in the forms S3 speaks, in signed headers so the store itself refuses bytes damaged on
the way: a whole file's SHA-256 (base64), a part's CRC32 (base64 of its four big-endian bytes, what
boto3 sends too: cheap for the store). A multipart object's checksum is the CRC32 of its parts'
CRC32s, followed by `-` and the number of parts."""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from collections.abc import Sequence


def b64_of_hex(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def hex_of_b64(b64_digest: str) -> str | None:
    """The hex form of a base64 digest; None if it is not one."""
    try:
        return base64.b64decode(b64_digest, validate=True).hex()
    except (binascii.Error, ValueError):
        return None


def crc32(data: bytes | memoryview) -> str:
    return base64.b64encode(struct.pack(">I", zlib.crc32(data))).decode("ascii")


def is_crc32(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == 4
    except (binascii.Error, ValueError):
        return False


def composite(part_crc32: Sequence[str]) -> str:
    """What S3 reports as ChecksumCRC32 for an object made of these parts, in order."""
    return f"{crc32(b''.join(base64.b64decode(c) for c in part_crc32))}-{len(part_crc32)}"
