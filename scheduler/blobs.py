"""The blob store: S3 through boto3. The scheduler signs URLs and checks objects; the only file
bytes it carries are small inline inputs, put in the store for agents from before them."""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import boto3
import yarl
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from abaqueue.checksums import b64_of_hex
from abaqueue.presigned_http import PresignedTarget

from .domain.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from .presign import Credentials, Presigner

MAX_URL_EXPIRY_S = 900  # presigned URLs live at most 15 minutes; a transfer asks again for more
# S3 answers that mean "not now": the store is busy or failing, not the request wrong.
BUSY_CODES = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling",
                        "ThrottlingException", "RequestLimitExceeded"})
# Parts the store will not join: the request's to fix (a fresh upload).
UNJOINABLE_CODES = frozenset({"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "InvalidRequest", "BadDigest",
                              "InvalidDigest"})

# The scheduler's own requests to the store that boto3 does not make: HEADs of presigned URLs, tried
# as boto3's standard mode would (three attempts on no connection, throttling and 5xx).
HEAD_ATTEMPTS = 3
HEAD_BACKOFF_S = 0.1  # then 0.2
HEAD_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=5.0, sock_read=30.0)  # not the wait for a connection
RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})


def store_errors(call):
    """The blob store's errors classified once: an outage (5xx, throttling, no connection) is
    Unavailable, for the caller to retry; anything else stays what it is (a bug or a setup error)."""
    @functools.wraps(call)
    def classified(*args, **kwargs):
        try:
            return call(*args, **kwargs)
        except ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if status >= 500 or _code(e) in BUSY_CODES:
                raise Unavailable(f"the blob store is not answering as it should ({_code(e) or status}): retry") from e
            raise
        except BotoCoreError as e:  # no connection, a timeout, a cut answer
            raise Unavailable(f"the blob store cannot be reached ({type(e).__name__}): retry") from e
    return classified


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    url_expiry_seconds: int = MAX_URL_EXPIRY_S

    def __post_init__(self) -> None:
        if not 1 <= self.url_expiry_seconds <= MAX_URL_EXPIRY_S:
            raise ValueError(f"url_expiry_seconds must be 1..{MAX_URL_EXPIRY_S}, not {self.url_expiry_seconds}")


@dataclass(frozen=True)
class StoredObject:
    """What the store says of one object: its size, the store's own SHA-256 of a single PUT's bytes
    (base64), the composite CRC32 (`...-N`) of a multipart object, and the SHA-256 its uploader
    declared (metadata), each when known."""

    size_bytes: int
    checksum_sha256: str = ""
    declared_sha256: str = ""
    composite_crc32: str = ""


@dataclass(frozen=True)
class StoredPart:
    number: int
    size_bytes: int
    etag: str


def input_key(job_id: str, name: str) -> str:
    """Inputs are written once by the client, before any attempt exists, and never change."""
    return f"jobs/{job_id}/inputs/{name}"


def result_key(job_id: str, attempt: int, name: str) -> str:
    """Results live under their attempt, so a stale attempt can never overwrite a current one."""
    return f"jobs/{job_id}/attempt-{attempt}/results/{name}"


class S3Blobs:
    def __init__(self, settings: S3Settings, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.settings = settings
        self._sleep = sleep
        self._http: aiohttp.ClientSession | None = None  # made on the event loop, at the first HEAD
        session = boto3.session.Session(aws_access_key_id=settings.access_key_id,
                                        aws_secret_access_key=settings.secret_access_key,
                                        region_name=settings.region)
        self._s3 = session.client(
            "s3",
            endpoint_url=settings.endpoint_url,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 3, "mode": "standard"}),
        )
        self._session_credentials = session.get_credentials()
        self._presigner = Presigner(self._s3.meta.endpoint_url, settings.bucket, settings.region,
                                    self._credentials, settings.url_expiry_seconds)

    def _credentials(self) -> Credentials:
        if self._session_credentials is None:
            raise FailedPrecondition("no AWS credentials for the blob store (flags, environment, profile or "
                                     "instance role): the scheduler cannot sign URLs")
        frozen = self._session_credentials.get_frozen_credentials()  # refreshed first when they expire
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token)

    def presign_get(self, key: str, file_name: str) -> PresignedTarget:
        return PresignedTarget(file_name, "GET", self._presigner.url("GET", key))

    def presign_put(self, key: str, file_name: str, sha256_hex: str) -> PresignedTarget:
        """A PUT the store accepts only with these exact bytes: their SHA-256 is a signed header
        (S3 verifies it), and is kept as the object's metadata too."""
        headers = {"x-amz-checksum-sha256": b64_of_hex(sha256_hex), "x-amz-meta-sha256": sha256_hex}
        return PresignedTarget(file_name, "PUT", self._presigner.url("PUT", key, headers), headers)

    def presign_part(self, key: str, file_name: str, upload_id: str, number: int, crc32: str) -> PresignedTarget:
        """A PUT of one part, accepted only with bytes of this CRC32 (base64)."""
        headers = {"x-amz-checksum-crc32": crc32}
        url = self._presigner.url("PUT", key, headers, {"partNumber": str(number), "uploadId": upload_id})
        return PresignedTarget(file_name, "PUT", url, headers)

    @store_errors
    def open_multipart(self, key: str, sha256_hex: str = "", fresh: bool = False) -> tuple[str, list[StoredPart]]:
        """The multipart upload in progress for `key` with the parts it already holds (an uploader
        that restarted goes on with it), or (`fresh`, or none in progress) a new one, carrying the
        file's declared SHA-256 as metadata when known. Blocking."""
        found = self._s3.list_multipart_uploads(Bucket=self.settings.bucket, Prefix=key).get("Uploads", ())
        ours = sorted((u for u in found if u["Key"] == key), key=lambda u: u["Initiated"])
        if fresh:
            for older in ours:
                self.abort_multipart(key, older["UploadId"])
        if fresh or not ours:
            upload = self._s3.create_multipart_upload(Bucket=self.settings.bucket, Key=key, ChecksumAlgorithm="CRC32",
                                                      Metadata={"sha256": sha256_hex} if sha256_hex else {})
            return upload["UploadId"], []
        upload_id = ours[-1]["UploadId"]
        for older in ours[:-1]:
            self.abort_multipart(key, older["UploadId"])
        return upload_id, self.parts_of(key, upload_id)

    @store_errors
    def parts_of(self, key: str, upload_id: str) -> list[StoredPart]:
        parts = []
        for page in self._s3.get_paginator("list_parts").paginate(Bucket=self.settings.bucket, Key=key,
                                                                  UploadId=upload_id):
            parts += [StoredPart(p["PartNumber"], int(p["Size"]), p["ETag"].strip('"')) for p in page.get("Parts", ())]
        return parts

    @store_errors
    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str, str]]) -> str:
        """Join the parts (number, ETag, CRC32) into the object; the checksum S3 gives it."""
        try:
            done = self._s3.complete_multipart_upload(
                Bucket=self.settings.bucket, Key=key, UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": f'"{etag}"', "ChecksumCRC32": crc}
                                           for n, etag, crc in parts]})
        except ClientError as e:
            if _code(e) == "NoSuchUpload":
                raise NotFound(f"upload_id: no upload {upload_id[:40]!r} is in progress for this file") from e
            if _code(e) in UNJOINABLE_CODES:
                raise InvalidArgument("parts", f"the store will not join them ({_code(e)}): start a fresh "
                                      "upload") from e
            raise
        return done.get("ChecksumCRC32", "")

    @store_errors
    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self._s3.abort_multipart_upload(Bucket=self.settings.bucket, Key=key, UploadId=upload_id)
        except ClientError as e:
            if _code(e) != "NoSuchUpload":
                raise

    @store_errors
    def put(self, key: str, content: bytes, sha256_hex: str) -> None:
        """Store small `content` at `key` as an upload would (its SHA-256 checked and kept). Blocking."""
        self._s3.put_object(Bucket=self.settings.bucket, Key=key, Body=content,
                            ChecksumSHA256=b64_of_hex(sha256_hex), Metadata={"sha256": sha256_hex})

    async def stat(self, key: str) -> StoredObject | None:
        """What the store holds at `key`, or None when there is no such object: a presigned HEAD
        on the event loop (the scheduler checks every file of every job; botocore, or urllib3 in a
        worker thread, spend twice the scheduler's CPU on each)."""
        headers = {"x-amz-checksum-mode": "ENABLED"}
        for attempt in range(HEAD_ATTEMPTS):
            if attempt:
                await self._sleep(HEAD_BACKOFF_S * 2 ** (attempt - 1))
            url = yarl.URL(self._presigner.url("HEAD", key, headers), encoded=True)  # as signed
            try:
                async with self._session().head(url, headers=headers) as answer:
                    status, head = answer.status, answer.headers
            except (aiohttp.ClientError, asyncio.TimeoutError) as e:  # no connection, a reset, a timeout
                failure = f"the blob store cannot be reached ({type(e).__name__}): retry"
                continue
            if status in RETRIED_STATUS:
                failure = f"the blob store is not answering as it should (HTTP {status}): retry"
                continue
            if status == 404:
                return None
            if status >= 300:
                raise RuntimeError(f"the blob store refused HEAD {key}: HTTP {status}")
            return StoredObject(int(head.get("Content-Length", 0)), head.get("x-amz-checksum-sha256", ""),
                                head.get("x-amz-meta-sha256", ""), head.get("x-amz-checksum-crc32", ""))
        raise Unavailable(failure)

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            bundle = os.environ.get("AWS_CA_BUNDLE")  # boto3's CA bundle
            context = ssl.create_default_context(cafile=bundle) if bundle else True
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16, ssl=context),
                                               timeout=HEAD_TIMEOUT, auto_decompress=False)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    @store_errors
    def size_of(self, key: str) -> int | None:
        """The object's size, None when there is none. Blocking, through boto3: for tools and tests."""
        try:
            return self._s3.head_object(Bucket=self.settings.bucket, Key=key)["ContentLength"]
        except ClientError as e:
            if _code(e) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    @store_errors
    def ensure_bucket(self) -> None:
        try:
            self._s3.head_bucket(Bucket=self.settings.bucket)
        except ClientError:
            self._s3.create_bucket(Bucket=self.settings.bucket)

    @store_errors
    def delete_job_files(self, job_id: str) -> int:
        """Delete every object of the job (inputs and every attempt's results); how many. Blocking."""
        deleted = 0
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.settings.bucket,
                                                                   Prefix=f"jobs/{job_id}/")
        for page in pages:
            keys = [{"Key": o["Key"]} for o in page.get("Contents", ())]
            if keys:
                self._s3.delete_objects(Bucket=self.settings.bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
        uploads = self._s3.get_paginator("list_multipart_uploads").paginate(Bucket=self.settings.bucket,
                                                                         Prefix=f"jobs/{job_id}/")
        for page in uploads:
            for upload in page.get("Uploads", ()):
                self.abort_multipart(upload["Key"], upload["UploadId"])
        return deleted


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")
