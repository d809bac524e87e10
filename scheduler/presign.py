"""Presigned S3 URLs (Signature Version 4, query-string authentication, path-style), computed the way
botocore computes them but without its per-request machinery: a URL is a few HMACs here, where
botocore spends most of a millisecond building, hooking and parsing a request it never sends. The
scheduler signs several URLs for every job, so this is most of what it does for files.
(tests/unit/test_presign.py checks every kind of URL against botocore's, signature included.)"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None


@lru_cache(maxsize=16)
def _signing_key(secret_key: str, date: str, region: str) -> bytes:
    key = hmac.new(f"AWS4{secret_key}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


class Presigner:
    def __init__(self, endpoint_url: str, bucket: str, region: str, credentials: Callable[[], Credentials],
                 expires_s: int, clock: Callable[[], float] = time.time) -> None:
        """URLs of objects in `bucket` at `endpoint_url` (as botocore's client resolved it), valid
        for `expires_s`; `credentials` is asked each time (credentials that refresh stay fresh)."""
        parts = urlsplit(endpoint_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        default = {"http": ":80", "https": ":443"}[parts.scheme]
        self.host = parts.netloc.removesuffix(default)  # as the request's Host header says it ([::1]:8333)
        self.prefix = f"{parts.path.rstrip('/')}/{quote(bucket, safe='')}/"
        self.region = region
        self.credentials = credentials
        self.expires_s = expires_s
        self.clock = clock

    def url(self, method: str, key: str, headers: Mapping[str, str] | None = None,
            query: Mapping[str, str] | None = None) -> str:
        """`method` on `key`; the request must carry `headers` (they are signed) and nothing else."""
        creds = self.credentials()
        now = datetime.datetime.fromtimestamp(self.clock(), datetime.timezone.utc)
        stamp, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        scope = f"{date}/{self.region}/s3/aws4_request"
        signed = {"host": self.host, **{name.lower(): value.strip() for name, value in (headers or {}).items()}}
        names = ";".join(sorted(signed))
        params = {**(query or {}), "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                  "X-Amz-Credential": f"{creds.access_key}/{scope}", "X-Amz-Date": stamp,
                  "X-Amz-Expires": str(self.expires_s), "X-Amz-SignedHeaders": names}
        if creds.token:
            params["X-Amz-Security-Token"] = creds.token
        canonical_query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
        path = self.prefix + quote(key, safe="/~")
        canonical = "\n".join([method, path, canonical_query,
                               "".join(f"{name}:{signed[name]}\n" for name in sorted(signed)), names,
                               "UNSIGNED-PAYLOAD"])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        signature = hmac.new(_signing_key(creds.secret_key, date, self.region), to_sign.encode(),
                             hashlib.sha256).hexdigest()
        return f"{self.origin}{path}?{canonical_query}&X-Amz-Signature={signature}"
