"""Our presigned URLs are botocore's, signature included, for every kind the scheduler signs, on a
local endpoint, on AWS (with a session token) and on the default AWS endpoint."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.auth
import pytest
from botocore.config import Config

from scheduler.presign import Credentials, Presigner

AT = datetime.datetime(2026, 12, 2, 3, 56, 55)
KEYS = ["jobs/x/a b+c~é%.inp", "jobs/x/inputs/m.inp"]
CASES = [  # botocore operation and parameters, and the same request for ours
    ("get_object", {}, "GET", {}, {}),
    ("put_object", {"ChecksumSHA256": "qqq=", "Metadata": {"sha256": "aa"}}, "PUT",
     {"x-amz-checksum-sha256": "qqq=", "x-amz-meta-sha256": "aa"}, {}),
    ("upload_part", {"UploadId": "UP/ID+=", "PartNumber": 3, "ChecksumCRC32": "AAAA=="}, "PUT",
     {"x-amz-checksum-crc32": "AAAA=="}, {"uploadId": "UP/ID+=", "partNumber": "3"}),
    ("head_object", {"ChecksumMode": "ENABLED"}, "HEAD", {"x-amz-checksum-mode": "ENABLED"}, {}),
]


@pytest.mark.parametrize(("endpoint", "region", "token"), [
    ("http://127.0.0.1:8333", "us-east-1", None),
    ("https://s3.eu-west-1.amazonaws.com", "eu-west-1", "TOKEN/+="),
    (None, "ap-northeast-1", None),
])
@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(("operation", "params", "method", "headers", "query"), CASES)
def test_a_url_is_the_one_botocore_signs(monkeypatch, endpoint, region, token, key, operation, params, method,
                                         headers, query):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: AT)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region, aws_access_key_id="AK",
                      aws_secret_access_key="SK", aws_session_token=token,
                      config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    theirs = urlsplit(s3.generate_presigned_url(operation, Params={"Bucket": "abaqueue", "Key": key, **params},
                                                ExpiresIn=900))
    ours = urlsplit(Presigner(s3.meta.endpoint_url, "abaqueue", region, lambda: Credentials("AK", "SK", token), 900,
                              clock=lambda: AT.replace(tzinfo=datetime.timezone.utc).timestamp())
                    .url(method, key, headers, query))
    assert (ours.scheme, ours.netloc, ours.path) == (theirs.scheme, theirs.netloc, theirs.path)
    assert parse_qs(ours.query) == parse_qs(theirs.query)  # X-Amz-Signature among them
