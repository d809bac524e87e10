"""Whether what the blob store holds is the file an uploader reported: size and checksum."""

from __future__ import annotations

from abaqueue.checksums import hex_of_b64

from .blobs import StoredObject
from .domain.job import FileSpec


def problem(spec: FileSpec, stored: StoredObject | None) -> str | None:
    """Why the stored object is not `spec`'s file, or None when it is. A single PUT carries the
    store's own SHA-256 of the bytes; a multipart object carries the composite CRC32 the scheduler
    checked when it joined the parts (each part checked by the store as it came), and its file's
    SHA-256 is checked by whoever downloads it."""
    if stored is None:
        return "not in the store"
    if stored.size_bytes != spec.size_bytes:
        return f"{stored.size_bytes} bytes stored, {spec.size_bytes} reported"
    if stored.checksum_sha256 and hex_of_b64(stored.checksum_sha256) != spec.sha256:
        return "its SHA-256 in the store differs from the one reported"
    if stored.declared_sha256 and stored.declared_sha256 != spec.sha256:
        return "it was uploaded with another SHA-256 than the one reported"
    return None
