"""The scheduler's settings: one dataclass with defaults, filled in by `main` from flags and env."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .aws import AwsSettings
from .blobs import S3Settings
from .domain.limits import MAX_QUEUE_BYTES, RoleLimits
from .domain.retries import RetryRules


@dataclass(frozen=True)
class RemoteTokenDatabase:
    """A token database elsewhere (`--address_to_token_database`): a TokenService at `address`,
    asked with the admin token in `token_file`; answers are kept `cache_s` seconds."""

    address: str
    token_file: Path
    ca_file: Path | None = None
    cache_s: float = 10.0


@dataclass(frozen=True)
class SchedulerConfig:
    s3: S3Settings
    database: Path = Path(".abaqueue/scheduler.sqlite3")
    # Jobs in this DynamoDB table instead of the SQLite file (None: SQLite); made if missing when
    # `create_job_table` (--dev).
    job_table: str | None = None
    create_job_table: bool = False
    aws: AwsSettings = field(default_factory=AwsSettings)
    # The SSM parameter holding the backend status document (TOML).
    backend_status_parameter: str | None = None
    backend_status_file: Path | None = None  # the backend status document (TOML), when not from SSM
    backend_status_interval_s: float = 30.0  # how often it is read again
    unify_backends: bool = False  # every job and node is one backend, "default"
    # Jobs that ended more than this many days ago are deleted with their files (0: kept), looked
    # for every retention_check_s.
    retention_days: float = 0.0
    retention_check_s: float = 3600.0
    # The shared secret webhooks are signed with (a file); None: no webhooks are sent.
    webhook_secret_file: Path | None = None
    host: str = "127.0.0.1"
    port_for_submission: int = 50051
    port_for_execution: int = 50052
    heartbeat_interval_s: float = 5.0
    # A node silent for a heartbeat interval and this long is left out of scheduling decisions,
    # and lost: its jobs' attempts end (retried by retry_rules).
    node_silent_grace_s: float = 10.0
    retry_rules: RetryRules = field(default_factory=RetryRules)
    long_poll_timeout_s: float = 30.0
    transfer_slots_per_node: int = 1
    # Transfers at once in the whole cluster (a thin link to S3); 0: no cap beyond the nodes'.
    transfer_slots_total: int = 0
    # A slot its node has not renewed for this long lapses (the agent died) and goes to the next.
    transfer_slot_lease_s: float = 60.0
    # Prometheus /metrics on this port (0: a free one); None: not served.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    web_port: int | None = None  # the dashboard's HTTP port (off when None; 0: a free port)
    web_host: str = "127.0.0.1"
    usage_sample_s: float = 60.0  # how often the dashboard's chart of cores and tokens in use is sampled
    metrics_sample_s: float = 10.0  # how often the gauges (jobs by state, nodes, cores) are sampled
    # Calls each port serves at once (long-polls not counted: see call_bound.py).
    submission_max_workers: int = 100
    execution_max_workers: int = 10
    submission_max_message_bytes: int = 10 * 1024 * 1024
    execution_max_message_bytes: int = 10 * 1024 * 1024
    shutdown_grace_s: float = 10.0
    # Where the first admin token is written when the store has no tokens yet (None: never).
    admin_token_file: Path | None = None
    # TLS on both ports when both are set (PEM files); with a client CA, agents must present a
    # certificate it signed on the execution port (mutual TLS). Unset: plaintext, for the local stack.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    # Tokens from a token database elsewhere instead of this store's (None: this store's).
    token_database: RemoteTokenDatabase | None = None
    role_limits: RoleLimits = field(default_factory=RoleLimits)
    # What the waiting jobs may cost the scheduler's memory; past it, submissions are refused.
    max_queue_bytes: int = MAX_QUEUE_BYTES
    # Jobs each user may create per second, and how many at once after a pause.
    submit_rate_per_s: float = 50.0
    submit_burst: int = 500
    result_patterns: tuple[str, ...] = field(default=(".odb", ".dat", ".msg", ".sta", ".log"))
