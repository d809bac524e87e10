"""`abaqueue-scheduler`: flags and environment into a SchedulerConfig, then serve until SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from pathlib import Path

from abaqueue import log_format
from abaqueue.shutdown import stop_on_signals

from .aws import AwsSettings, AwsSetupError, parameter
from .blobs import S3Settings
from .config import RemoteTokenDatabase, SchedulerConfig
from .domain.limits import MAX_QUEUE_BYTES, RoleLimits
from .server import SchedulerServer

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _env_number(p: argparse.ArgumentParser, name: str, default: float, kind=int):
    """A positive number from the environment variable `name`, else `default`."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        p.error(f"${name}: {raw!r} is not a number")
    if value <= 0:
        p.error(f"${name}: must be positive")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Every flag of the scheduler (docs/deployment.md lists them all: a test checks it)."""
    env = os.environ.get
    p = argparse.ArgumentParser(prog="abaqueue-scheduler", description="The Abaqueue scheduler.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind both ports to")
    p.add_argument("--port-for-submission", type=int, default=50051)
    p.add_argument("--port-for-execution", type=int, default=50052)
    p.add_argument("--database", type=Path, default=Path(".abaqueue/scheduler.sqlite3"),
                   help="SQLite file of the job store")
    p.add_argument("--bucket", default=env("ABAQUEUE_BUCKET", "abaqueue"))
    p.add_argument("--s3-endpoint",
                   help="URL of the S3-compatible store that holds the files (SeaweedFS, MinIO on site); "
                        "default $ABAQUEUE_S3_ENDPOINT, else AWS S3")
    p.add_argument("--region", default=env("AWS_REGION", "us-east-1"))
    aws = p.add_argument_group("AWS (as the original scheduler's flags)")
    aws.add_argument("--job_table_name_key", metavar="SSM_NAME",
                     help="SSM parameter holding the DynamoDB table of jobs (the store: DynamoDB instead of SQLite)")
    aws.add_argument("--job_bucket_name_key", metavar="SSM_NAME",
                     help="SSM parameter holding the S3 bucket of job files (instead of --bucket)")
    aws.add_argument("--backend_status_parameter_name", metavar="SSM_NAME",
                     help="SSM parameter holding the backend status document (TOML; see --backend-status-file)")
    aws.add_argument("-k", "--aws_access_key_id", help="AWS access key (default: the standard credential chain)")
    aws.add_argument("-s", "--aws_secret_access_key", help="AWS secret key, with -k")
    aws.add_argument("--endpoint", help="DynamoDB and SSM endpoint URL (LocalStack, moto); needs --dev")
    aws.add_argument("--s3_endpoint", dest="dev_s3_endpoint", metavar="S3_ENDPOINT",
                     help="S3 endpoint URL standing in for AWS S3 (LocalStack, moto); needs --dev")
    aws.add_argument("--dev", action="store_true",
                     help="development: allow --endpoint and --s3_endpoint, and create a missing job table")
    p.add_argument("--backend-status-file", type=Path, metavar="TOML",
                   help="the backend status document: [backends.NAME] status = available|unavailable|maintenance, "
                        "description = ...; NAME an Abaqus version or a node pool (label pool=NAME)")
    p.add_argument("--backend-status-seconds", type=float, default=30.0,
                   help="how often the backend status is read again (a change needs no restart)")
    p.add_argument("--unify-backends", "--unify_backends", action="store_true",
                   help="treat every job and node as one backend, named default in the status document")
    p.add_argument("--retention-days", type=float, default=0.0,
                   help="delete jobs that ended more than DAYS ago, with their files, automatically (0: keep)")
    p.add_argument("--retention-check-seconds", type=float, default=3600.0,
                   help="how often jobs past the retention are looked for")
    p.add_argument("--webhook-secret-file", type=Path, metavar="FILE",
                   help="the shared secret webhooks are signed with (HMAC-SHA256); without it no webhook is sent")
    p.add_argument("--url-expiry-seconds", type=int, default=900)
    p.add_argument("--heartbeat-interval", type=float, default=5.0)
    p.add_argument("--long-poll-timeout", type=float, default=30.0)
    p.add_argument("--transfer-slots-per-node", type=int, default=1)
    p.add_argument("--transfer-slots-total", type=int, default=0,
                   help="most transfers at once in the whole cluster (0: no cap beyond the nodes')")
    p.add_argument("--transfer-slot-lease-seconds", type=float, default=60.0,
                   help="a transfer slot not renewed for this long lapses and goes to the next in line")
    p.add_argument("--metrics-port", type=int,
                   help="serve Prometheus metrics at /metrics on this port (off when unset)")
    p.add_argument("--metrics-host", default="127.0.0.1", help="address of the metrics port")
    p.add_argument("--web-port", type=int,
                   help="serve the dashboard (a web page) on this HTTP port (off when unset)")
    p.add_argument("--web-host", default="127.0.0.1", help="address of the dashboard's port")
    p.add_argument("--metrics-sample-seconds", type=float, default=10.0,
                   help="how often the gauges (jobs by state, nodes, cores, tokens) are sampled")
    p.add_argument("--admin-token-file", type=Path,
                   help="where the first admin token is written when there are no tokens yet "
                        "(default: admin.token beside the database)")
    p.add_argument("--tls-cert", type=Path, help="PEM certificate (chain) of both ports; with --tls-key")
    p.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    p.add_argument("--tls-client-ca", type=Path,
                   help="PEM CA whose certificates agents must present on the execution port (mutual TLS)")
    p.add_argument("--address_to_token_database", "--address-to-token-database", dest="token_database",
                   metavar="HOST:PORT",
                   help="take tokens from the TokenService at HOST:PORT (another scheduler's submission port, "
                        "or abaqueue-token-database) instead of this scheduler's store")
    p.add_argument("--token-database-token-file", type=Path,
                   help="file holding an admin token of that token database, which this scheduler presents")
    p.add_argument("--token-database-ca-file", type=Path, help="PEM CA of the token database's TLS certificate")
    p.add_argument("--insecure-token-database", action="store_true",
                   help="allow a token database on another host without TLS (anyone on the path could "
                        "answer for it)")
    p.add_argument("--token-cache-seconds", type=float, default=10.0,
                   help="how long an answer of the token database is kept (a revocation made elsewhere "
                        "takes this long to count here)")
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--log-format", choices=("plain", "json"), default="plain",
                   help="plain lines, or one JSON object a line (time, level, logger, message, job, attempt, node)")
    return p


def parse_args(argv: list[str] | None = None) -> SchedulerConfig:
    env = os.environ.get
    p = build_parser()
    a = p.parse_args(argv)
    log_format.setup(a.log_level, a.log_format)
    if (a.tls_cert is None) != (a.tls_key is None):
        p.error("--tls-cert and --tls-key go together")
    if a.tls_client_ca and not a.tls_cert:
        p.error("--tls-client-ca needs --tls-cert and --tls-key")
    if a.backend_status_file is not None and a.backend_status_parameter_name:
        p.error("--backend-status-file and --backend_status_parameter_name: give one of them")
    if a.backend_status_seconds <= 0:
        p.error("--backend-status-seconds must be positive")
    if a.retention_days < 0 or a.retention_check_seconds <= 0:
        p.error("--retention-days must not be negative, --retention-check-seconds must be positive")
    for flag in ("tls_cert", "tls_key", "tls_client_ca", "webhook_secret_file"):
        path = getattr(a, flag)
        if path is not None and not path.is_file():
            p.error(f"--{flag.replace('_', '-')}: {path} is not a file")
    token_database = None
    if a.token_database:
        if a.token_database_token_file is None or not a.token_database_token_file.is_file():
            p.error("--address_to_token_database needs --token-database-token-file, a file holding an admin "
                    "token of that database")
        if a.token_database_ca_file is not None and not a.token_database_ca_file.is_file():
            p.error(f"--token-database-ca-file: {a.token_database_ca_file} is not a file")
        if (a.token_database_ca_file is None and not a.insecure_token_database
                and a.token_database.rsplit(":", 1)[0].strip("[]") not in LOOPBACK):
            p.error("--address_to_token_database on another host needs --token-database-ca-file (TLS): "
                    "whoever answers for it decides who is admin here (--insecure-token-database to allow)")
        if a.token_cache_seconds < 0:
            p.error("--token-cache-seconds must not be negative")
        token_database = RemoteTokenDatabase(a.token_database, a.token_database_token_file,
                                             a.token_database_ca_file, a.token_cache_seconds)
    if not 1 <= a.url_expiry_seconds <= 900:
        p.error("--url-expiry-seconds must be within 1..900")
    if a.transfer_slots_per_node < 1 or a.transfer_slots_total < 0 or not 1 <= a.transfer_slot_lease_seconds <= 3600:
        p.error("--transfer-slots-per-node must be at least 1, --transfer-slots-total at least 0, "
                "--transfer-slot-lease-seconds within 1..3600")
    aws_settings, job_table, bucket = _aws(p, a)
    s3 = S3Settings(bucket=bucket, endpoint_url=a.s3_endpoint or a.dev_s3_endpoint or env("ABAQUEUE_S3_ENDPOINT"),
                    region=a.region,
                    access_key_id=aws_settings.access_key_id, secret_access_key=aws_settings.secret_access_key,
                    url_expiry_seconds=a.url_expiry_seconds)
    return SchedulerConfig(
        s3=s3, database=a.database, job_table=job_table, create_job_table=a.dev and job_table is not None,
        aws=aws_settings, backend_status_parameter=a.backend_status_parameter_name,
        backend_status_file=a.backend_status_file, backend_status_interval_s=a.backend_status_seconds,
        unify_backends=a.unify_backends, retention_days=a.retention_days,
        retention_check_s=a.retention_check_seconds, webhook_secret_file=a.webhook_secret_file,
        admin_token_file=a.admin_token_file or a.database.parent / "admin.token",
        token_database=token_database, tls_cert=a.tls_cert, tls_key=a.tls_key, tls_client_ca=a.tls_client_ca,
        host=a.host, port_for_submission=a.port_for_submission,
        port_for_execution=a.port_for_execution, heartbeat_interval_s=a.heartbeat_interval,
        long_poll_timeout_s=a.long_poll_timeout, transfer_slots_per_node=a.transfer_slots_per_node,
        transfer_slots_total=a.transfer_slots_total, transfer_slot_lease_s=a.transfer_slot_lease_seconds,
        metrics_port=a.metrics_port, metrics_host=a.metrics_host, metrics_sample_s=a.metrics_sample_seconds,
        web_port=a.web_port, web_host=a.web_host,
        submission_max_message_bytes=_env_number(p, "SCHEDULER_SUBMISSION_MAX_MESSAGE_LENGTH", 10 * 1024 * 1024),
        execution_max_message_bytes=_env_number(p, "SCHEDULER_EXECUTION_MAX_MESSAGE_LENGTH", 10 * 1024 * 1024),
        submission_max_workers=_env_number(p, "SCHEDULER_SUBMISSION_MAX_WORKERS", 100),
        execution_max_workers=_env_number(p, "SCHEDULER_EXECUTION_MAX_WORKERS", 10),
        role_limits=RoleLimits(max_job_bytes={
            role: _env_number(p, f"SCHEDULER_MAX_JOB_BYTES_{role.name}", default)
            for role, default in RoleLimits().max_job_bytes.items()
        }, max_concurrent_jobs={
            role: _env_number(p, f"SCHEDULER_MAX_CONCURRENT_JOBS_{role.name}", default)
            for role, default in RoleLimits().max_concurrent_jobs.items()
        }),
        max_queue_bytes=_env_number(p, "SCHEDULER_MAX_QUEUE_BYTES", MAX_QUEUE_BYTES),
        submit_rate_per_s=_env_number(p, "SCHEDULER_SUBMIT_RATE_PER_S", 50.0, float),
        submit_burst=_env_number(p, "SCHEDULER_SUBMIT_BURST", 500),
    )


def _aws(p: argparse.ArgumentParser, a: argparse.Namespace) -> tuple[AwsSettings, str | None, str]:
    """The AWS settings, and the job table and bucket (looked up in SSM when named by a key)."""
    for flag, given in (("--endpoint", a.endpoint), ("--s3_endpoint", a.dev_s3_endpoint)):
        if given and not a.dev:
            p.error(f"{flag} needs --dev: in production "
                    "the AWS services are AWS's own")
    if a.s3_endpoint and a.dev_s3_endpoint:
        p.error("--s3-endpoint and --s3_endpoint name the same store: give one")
    if (a.aws_access_key_id is None) != (a.aws_secret_access_key is None):
        p.error("-k/--aws_access_key_id and -s/--aws_secret_access_key go together")
    # Keys given here, else boto3's own chain (environment with its session token, profile, role).
    settings = AwsSettings(region=a.region, endpoint_url=a.endpoint, access_key_id=a.aws_access_key_id,
                           secret_access_key=a.aws_secret_access_key)
    try:
        table = parameter(settings, a.job_table_name_key) if a.job_table_name_key else None
        bucket = parameter(settings, a.job_bucket_name_key) if a.job_bucket_name_key else a.bucket
    except AwsSetupError as e:
        p.error(str(e))
    return settings, table, bucket


async def serve(config: SchedulerConfig) -> None:
    server = SchedulerServer(config)
    await server.start()
    gc.freeze()  # what start-up made (modules, the restored queue) lives on: no collection scans it again
    stopping = stop_on_signals()
    print(f"abaqueue-scheduler: submission port {server.submission_port}, "
          f"execution port {server.execution_port}", flush=True)
    await stopping.wait()
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        asyncio.run(serve(config))
    except KeyboardInterrupt:
        pass
    except AwsSetupError as e:
        print(f"abaqueue-scheduler: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
