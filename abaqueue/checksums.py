"""Checksums in the forms S3 speaks: every PUT carries its SHA-256 (base64) in a signed header, so
the store itself refuses bytes damaged on the way; a multipart object's checksum is the SHA-256 of
its parts' SHA-256 digests, followed by `-` and the number of parts."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence


def b64_of_hex(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def hex_of_b64(b64_digest: str) -> str | None:
    """The hex form of a base64 digest; None if it is not one."""
    try:
        return base64.b64decode(b64_digest, validate=True).hex()
    except (binascii.Error, ValueError):
        return None


def composite(part_sha256_hex: Sequence[str]) -> str:
    """What S3 reports as ChecksumSHA256 for an object made of these parts, in order."""
    digest = hashlib.sha256(b"".join(bytes.fromhex(h) for h in part_sha256_hex)).digest()
    return f"{base64.b64encode(digest).decode('ascii')}-{len(part_sha256_hex)}"
