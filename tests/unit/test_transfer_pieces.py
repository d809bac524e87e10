"""The pure pieces of moving files: part plans, checksums as S3 forms them, which failures are
retried, and whether a stored object is the file that was reported."""

from __future__ import annotations

import hashlib
import http.client
import http.server
import os
import socket
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abaqueue import checksums, multipart
from abaqueue.http_connections import ShortBody
from abaqueue.presigned_http import PresignedTarget, TransferError
from abaqueue.transfer_retry import RetryPolicy, is_transient
from abaqueue.v1 import job_pb2 as pb
from node_agent.transfers import InputCorrupt, write_inline
from scheduler.blobs import StoredObject
from scheduler.domain.job import FileSpec
from scheduler.stored_files import problem

MiB = multipart.MiB


@given(st.integers(0, 60 * 1024**4), st.integers(1, 64 * MiB))
def test_parts_cover_the_file_exactly_within_s3_limits(size, preferred):
    part_size = multipart.part_size_for(size, preferred)
    parts = multipart.plan(size, part_size) if size < 50 * 1024**3 else None
    assert part_size >= multipart.MIN_PART_BYTES and -(-size // part_size) <= multipart.MAX_PARTS
    if parts is not None:
        assert sum(p.size for p in parts) == size
        assert [p.number for p in parts] == list(range(1, len(parts) + 1))
        assert all(p.offset == (p.number - 1) * part_size for p in parts)
        assert all(p.size == part_size for p in parts[:-1])


def test_the_composite_checksum_is_the_crc32_of_the_part_crc32s():
    parts = [b"a" * (5 * MiB), b"tail"]
    # what SeaweedFS answered for these two parts joined (a probe of the real server)
    assert checksums.composite([checksums.crc32(p) for p in parts]) == "4fn9rQ==-2"
    assert checksums.crc32(b"tail") == "fDe0XQ==" and checksums.is_crc32("fDe0XQ==")
    assert not checksums.is_crc32("not base64!") and not checksums.is_crc32(checksums.b64_of_hex("00" * 32))
    digest = hashlib.sha256(b"x").hexdigest()
    assert checksums.hex_of_b64(checksums.b64_of_hex(digest)) == digest
    assert checksums.hex_of_b64("not base64!") is None


@pytest.mark.parametrize("error, transient", [
    (TransferError("f", 503, "<Code>SlowDown</Code>"), True),
    (TransferError("f", 500, ""), True),
    (TransferError("f", 429, ""), True),
    (TransferError("f", 400, "<Error><Code>BadDigest</Code></Error>"), True),
    (TransferError("f", 400, "<Error><Code>InvalidArgument</Code></Error>"), False),
    (TransferError("f", 404, "<Code>NoSuchKey</Code>"), False),
    (http.client.RemoteDisconnected("closed without an answer"), True),
    (http.client.IncompleteRead(b"abc", 10), True),
    (ShortBody("3 of 10 bytes of a range arrived"), True),
    (ConnectionResetError(104, "reset"), True),
    (TimeoutError("timed out"), True),
    (socket.gaierror(-3, "name did not resolve"), True),
    (FileNotFoundError("the file went"), False),
    (ValueError("a bug"), False),
])
def test_failures_are_classified_once(error, transient):
    assert is_transient(error) is transient


def test_retries_are_bounded_backed_off_and_refresh_an_expired_url():
    waits, notes, refreshed = [], [], []
    answers = iter([TransferError("f", 503, ""), TransferError("f", 403, "<Code>AccessDenied</Code>"), "etag"])

    def send():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    policy = RetryPolicy(attempts=4, sleep=waits.append)
    assert policy.run("f part 1", send, refresh=lambda: refreshed.append(1), on_retry=notes.append) == "etag"
    assert len(waits) == 1 and 0.25 <= waits[0] <= 0.5 and refreshed == [1]
    assert "HTTP 503" in notes[0] and "retrying" in notes[0] and "fresh URL" in notes[1]

    def always_down():
        raise TransferError("f", 503, "")

    waits.clear()
    with pytest.raises(TransferError):
        RetryPolicy(attempts=3, sleep=waits.append).run("f", always_down)
    assert len(waits) == 2 and waits[1] > waits[0] / 2


def test_a_refusal_is_not_retried():
    calls = []

    def refused():
        calls.append(1)
        raise TransferError("f", 403, "")

    with pytest.raises(TransferError):
        RetryPolicy(sleep=lambda s: None).run("f", refused)  # no fresh URL to be had: final
    assert calls == [1]


SHA = hashlib.sha256(b"x").hexdigest()


@pytest.mark.parametrize("stored, wrong", [
    (None, "not in the store"),
    (StoredObject(2, checksums.b64_of_hex(SHA)), "2 bytes stored, 1 reported"),
    (StoredObject(1, checksums.b64_of_hex("0" * 64)), "its SHA-256 in the store differs from the one reported"),
    (StoredObject(1, "", "0" * 64), "it was uploaded with another SHA-256 than the one reported"),
    (StoredObject(1, checksums.b64_of_hex(SHA), SHA), None),
    (StoredObject(1, composite_crc32="Zm9v-3"), None),  # multipart: its composite was checked when joined
])
def test_a_stored_object_is_the_reported_file_only_with_its_size_and_checksum(stored, wrong):
    assert problem(FileSpec("beam.odb", 1, SHA), stored) == wrong


class PartStore:
    """A loopback HTTP server standing in for S3's part PUTs: it keeps each body and answers its MD5."""

    def __init__(self) -> None:
        store = self
        self.bodies: dict[str, bytes] = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                store.bodies[self.path] = body
                self.send_response(200)
                self.send_header("ETag", f'"{hashlib.md5(body).hexdigest()}"')
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sign(self, part: multipart.Part, crc: str) -> PresignedTarget:
        return PresignedTarget("f", "PUT", f"http://127.0.0.1:{self.server.server_address[1]}/part/{part.number}")


def test_parts_the_store_holds_are_kept_only_when_their_md5_matches(tmp_path):
    data = os.urandom(3 * multipart.MIN_PART_BYTES + 10)
    path = tmp_path / "beam.odb"
    path.write_bytes(data)
    parts = multipart.plan(len(data), multipart.MIN_PART_BYTES)
    first, second = (data[p.offset:p.offset + p.size] for p in parts[:2])
    stored = {1: (parts[0].size, hashlib.md5(first).hexdigest()),  # really there
              2: (parts[1].size, hashlib.md5(second[::-1]).hexdigest())}  # there, but other bytes
    fake = PartStore()
    try:
        whole, sent = multipart.upload_parts(path, parts, fake.sign, stored=stored, parallel=2)
    finally:
        fake.server.shutdown()
    assert whole == hashlib.sha256(data).hexdigest()
    assert sorted(fake.bodies) == ["/part/2", "/part/3", "/part/4"]  # part 1 was not sent again
    assert b"".join([first, *(fake.bodies[f"/part/{n}"] for n in (2, 3, 4))]) == data
    assert [(p.number, p.crc32) for p in sent] == [(p.number, checksums.crc32(data[p.offset:p.offset + p.size]))
                                                   for p in parts]


def test_the_agent_writes_inline_inputs_as_sent_and_refuses_a_damaged_one(tmp_path):
    content = b"*Heading\n*Node\n"
    files = [pb.FileInfo(name="m.inp", size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest(),
                         content=content),
             pb.FileInfo(name="big.dat", size_bytes=10, sha256="a" * 64)]  # not inline: left to download
    assert write_inline(tmp_path, files) == len(content)
    assert (tmp_path / "m.inp").read_bytes() == content and not (tmp_path / "big.dat").exists()
    damaged = pb.FileInfo(name="d.inp", size_bytes=len(content), sha256="0" * 64, content=content)
    with pytest.raises(InputCorrupt, match="inline input d.inp"):
        write_inline(tmp_path, [damaged])
    assert not (tmp_path / "d.inp").exists()
