"""Presigned URLs are the only way files move; the real S3 server (SeaweedFS) must refuse a URL that
was tampered with, has expired, or was never signed."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from abaqueue.presigned_http import TransferError, download, file_digest, upload
from scheduler.blobs import S3Blobs, S3Settings


def blobs(seaweed, expiry: int = 900) -> S3Blobs:
    return S3Blobs(S3Settings(bucket=seaweed.bucket, endpoint_url=seaweed.endpoint, access_key_id=seaweed.access_key,
                              secret_access_key=seaweed.secret_key, url_expiry_seconds=expiry))


async def _stat(s3: S3Blobs, key: str):
    try:
        return await s3.stat(key)
    finally:
        await s3.close()


def with_query(url: str, change) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    return urlunsplit(parts._replace(query=urlencode(change(query))))


@pytest.fixture
def stored(seaweed, tmp_path):
    """An object put through a valid presigned PUT; its key and a valid GET for it."""
    s3 = blobs(seaweed)
    key = f"tests/presigned/{time.monotonic_ns()}/m.inp"
    source = tmp_path / "m.inp"
    source.write_bytes(b"*Heading\nsigned\n")
    upload(s3.presign_put(key, "m.inp", file_digest(source).sha256), source)
    return key, s3.presign_get(key, "m.inp")


def test_a_valid_url_works(stored, tmp_path):
    _, get = stored
    assert download(get, tmp_path / "got.inp").size_bytes == len(b"*Heading\nsigned\n")


def tamper_signature(q):
    q["X-Amz-Signature"] = ("0" if q["X-Amz-Signature"][0] != "0" else "1") + q["X-Amz-Signature"][1:]
    return q


def unsign(q):
    return {k: v for k, v in q.items() if not k.startswith("X-Amz-")}


@pytest.mark.parametrize("change", [tamper_signature, unsign], ids=["tampered-signature", "unsigned"])
def test_tampered_or_unsigned_get_is_refused(stored, tmp_path, change):
    _, get = stored
    with pytest.raises(TransferError) as e:
        download(replace(get, url=with_query(get.url, change)), tmp_path / "got.inp")
    assert e.value.status == 403
    assert not (tmp_path / "got.inp").exists()


def test_a_url_signed_for_one_key_does_not_open_another(stored, tmp_path):
    _, get = stored
    other = get.url.replace("/m.inp?", "/other.inp?")
    assert other != get.url
    with pytest.raises(TransferError) as e:
        download(replace(get, url=other), tmp_path / "got.inp")
    assert e.value.status == 403


def test_tampered_put_is_refused_and_stores_nothing(seaweed, tmp_path):
    s3 = blobs(seaweed)
    key = f"tests/presigned/{time.monotonic_ns()}/evil.inp"
    source = tmp_path / "evil.inp"
    source.write_bytes(b"evil")
    put = s3.presign_put(key, "evil.inp", file_digest(source).sha256)
    with pytest.raises(TransferError) as e:
        upload(replace(put, url=with_query(put.url, tamper_signature)), source)
    assert e.value.status == 403
    assert s3.size_of(key) is None


def test_an_expired_url_is_refused(seaweed, stored, tmp_path):
    key, _ = stored
    short = blobs(seaweed, expiry=1).presign_get(key, "m.inp")
    time.sleep(2.1)
    with pytest.raises(TransferError) as e:
        download(short, tmp_path / "got.inp")
    assert e.value.status == 403


def test_a_put_of_other_bytes_than_the_signed_sha256_is_refused_and_stores_nothing(seaweed, tmp_path):
    s3 = blobs(seaweed)
    key = f"tests/presigned/{time.monotonic_ns()}/m.inp"
    signed, other = tmp_path / "signed.inp", tmp_path / "other.inp"
    signed.write_bytes(b"*Heading\nthe bytes that were hashed\n")
    other.write_bytes(b"*Heading\nthe bytes that were changed\n")
    with pytest.raises(TransferError) as e:
        upload(s3.presign_put(key, "m.inp", file_digest(signed).sha256), other)
    assert (e.value.status, e.value.code) == (400, "BadDigest")
    assert s3.size_of(key) is None
    upload(s3.presign_put(key, "m.inp", file_digest(signed).sha256), signed)
    stored = asyncio.run(_stat(s3, key))
    assert stored.size_bytes == signed.stat().st_size and stored.declared_sha256 == file_digest(signed).sha256
