"""The blob store: S3 through boto3. The scheduler only signs URLs and checks objects; it never
carries file bytes."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from abaqueue.presigned_http import PresignedTarget


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    url_expiry_seconds: int = 900


def input_key(job_id: str, name: str) -> str:
    """Inputs are written once by the client, before any attempt exists, and never change."""
    return f"jobs/{job_id}/inputs/{name}"


def result_key(job_id: str, attempt: int, name: str) -> str:
    """Results live under their attempt, so a stale attempt can never overwrite a current one."""
    return f"jobs/{job_id}/attempt-{attempt}/results/{name}"


class S3Blobs:
    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        self._s3 = boto3.client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=settings.secret_access_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 3, "mode": "standard"}),
        )

    def presign(self, method: str, key: str, file_name: str) -> PresignedTarget:
        """A request signed for one object; signing is local computation, no network."""
        operation = {"PUT": "put_object", "GET": "get_object"}[method]
        url = self._s3.generate_presigned_url(
            operation,
            Params={"Bucket": self.settings.bucket, "Key": key},
            ExpiresIn=self.settings.url_expiry_seconds,
        )
        return PresignedTarget(file_name=file_name, method=method, url=url)

    def size_of(self, key: str) -> int | None:
        """The stored object's size, or None when there is no such object. Blocking: call it
        from a worker thread."""
        try:
            return int(self._s3.head_object(Bucket=self.settings.bucket, Key=key)["ContentLength"])
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def ensure_bucket(self) -> None:
        try:
            self._s3.head_bucket(Bucket=self.settings.bucket)
        except ClientError:
            self._s3.create_bucket(Bucket=self.settings.bucket)

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
        return deleted
