"""The agent's settings: one dataclass with defaults, read from a TOML file."""

from __future__ import annotations

import os
import re
import shlex
import socket
from dataclasses import dataclass, field, fields
from pathlib import Path

import grpc

from abaqueue import toml
from abaqueue.tls import channel_credentials


class ConfigError(Exception):
    pass


# A path that may go on the abaqus.bat command line (cmd.exe parses it): scratch_dir here, and the
# solver's scratch= argument (node_agent.solver) checked against the same rule.
SCRATCH = re.compile(r"[A-Za-z0-9_.:\\/-]+")


@dataclass(frozen=True)
class AgentConfig:
    scheduler: str = "127.0.0.1:50052"
    # The node's token (role `node`, user = node_name), in a file only the service account can read.
    token_file: Path | None = None
    # TLS: the CA of the scheduler's certificate, and this node's certificate and key when the
    # scheduler asks for mutual TLS. Unset: plaintext.
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    node_name: str = field(default_factory=lambda: socket.gethostname().split(".")[0])
    cpus: int = field(default_factory=lambda: os.cpu_count() or 1)
    work_dir: Path = Path("abaqueue-work")
    # The Abaqus launcher: a full path (C:\SIMULIA\Commands\abaqus.bat), or a list whose first item
    # is the program (["abaqus-sim"] for the simulator).
    abaqus_command: tuple[str, ...] = ("abaqus",)
    labels: dict[str, str] = field(default_factory=dict)
    abaqus_versions: tuple[str, ...] = ()
    # Most jobs at once; 0: as many as the cores allow.
    max_jobs: int = 0
    # On the node that has the license tools: the command that reports license usage (FlexNet
    # `abaqus licensing lmstat -a`), run every `license_check_interval_s`; its figures go to the
    # scheduler with each heartbeat. Empty: this node does not report.
    license_command: tuple[str, ...] = ()
    license_check_interval_s: float = 60.0
    result_extensions: tuple[str, ...] = (".odb", ".dat", ".msg", ".sta", ".log")
    # Written into each job directory as abaqus_v6.env, so a service account needs no home setup:
    # the FlexNet license server ("27000@lic01"), or license_server_type "DSLS" with
    # dsls_license_config (the path of its DSLicSrv.txt); license_queue_minutes is lmhanglimit (how
    # long Abaqus waits in the license queue before it gives up; 0: the server's default);
    # abaqus_env adds any other setting (name -> value, written as Python literals).
    license_server: str = ""
    license_server_type: str = "FLEXNET"
    dsls_license_config: str = ""
    license_queue_minutes: int = 0
    abaqus_env: dict[str, object] = field(default_factory=dict)
    # abaqus scratch=: a local directory (no spaces) for the solver's scratch files; unset: Abaqus's.
    scratch_dir: str = ""
    # Wall-clock limit of a job that states none; 0: none.
    default_time_limit_s: float = 0.0
    # Disk: no work is asked for while work_dir has less than min_free_disk_bytes free, and a job is
    # refused (a system failure, retried elsewhere) when it has less than disk_multiple x its inputs.
    min_free_disk_bytes: int = 5 * 1024**3
    disk_multiple: float = 3.0
    # Work directories: removed after a success (unless keep_succeeded, for debugging), kept this
    # many days after anything else.
    keep_failed_days: float = 7.0
    keep_succeeded: bool = False
    # Most bytes the input archives of one job may unpack to (zip bombs stop there).
    max_unpacked_bytes: int = 50 * 1024**3
    progress_interval_s: float = 2.0
    # Files move in parallel requests: ranges of an input, parts of a result. A result larger than
    # multipart_threshold_bytes goes as a multipart upload of multipart_part_bytes parts (more for a
    # file past 10,000 parts), resumed after an agent restart.
    transfer_parallelism: int = 4
    multipart_threshold_bytes: int = 64 * 1024**2
    multipart_part_bytes: int = 16 * 1024**2
    # Tries of one request to the blob store (5xx, timeouts, resets, damaged bytes), with backoff.
    transfer_attempts: int = 6
    # No new increment for this long (not counting a license queue): a warning on the job. 0: never.
    stall_after_s: float = 1800.0
    # A stop: `abaqus terminate`, this long to finish, then every process of the job is killed.
    stop_grace_s: float = 30.0
    # Solver processes found by name in a job directory belong to that job (they may outlive the
    # launcher); they are followed, and killed on a stop.
    solver_process_names: tuple[str, ...] = ("standard", "explicit", "explicit_dp", "pre", "package",
                                             "ABQLauncher")
    # Windows: solvers die with the agent (Job Object kill-on-close). Off: an agent restart or
    # update keeps running analyses, and the agent takes them up again.
    kill_solvers_with_agent: bool = False
    # Prometheus /metrics of the agent itself on this port (0: a free one); None: not served.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # The service's log lines: plain, or one JSON object a line (`run --log-format` in the foreground).
    log_format: str = "plain"

    def token(self) -> str | None:
        """The node's token, read from `token_file`."""
        if self.token_file is None:
            return None
        try:
            return self.token_file.read_text(encoding="ascii").strip()
        except (OSError, UnicodeError) as e:
            raise ConfigError(f"token_file {self.token_file}: {e}") from e

    def credentials(self) -> grpc.ChannelCredentials | None:
        """TLS credentials from `ca_file` (and the client certificate); None for plaintext."""
        if self.ca_file is None:
            if self.client_cert or self.client_key:
                raise ConfigError("client_cert and client_key need ca_file (TLS)")
            return None
        try:
            return channel_credentials(self.ca_file, self.client_cert, self.client_key)
        except (OSError, ValueError) as e:
            raise ConfigError(f"TLS files: {e}") from e


def load(path: Path) -> AgentConfig:
    try:
        raw = toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, toml.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: {e}") from e
    return from_mapping(raw, str(path))


def from_mapping(raw: dict, source: str = "config") -> AgentConfig:
    known = {f.name for f in fields(AgentConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown settings {', '.join(unknown)}")
    values = dict(raw)
    for name in ("work_dir", "token_file", "ca_file", "client_cert", "client_key"):
        if name in values:
            values[name] = Path(values[name])
    command = values.get("abaqus_command")
    if isinstance(command, str):
        # A path with spaces stays one item on Windows; elsewhere a string may carry arguments.
        values["abaqus_command"] = (command,) if os.name == "nt" else tuple(shlex.split(command))
    license_command = values.get("license_command")
    if isinstance(license_command, str):
        values["license_command"] = (license_command,) if os.name == "nt" else tuple(shlex.split(license_command))
    for name in ("abaqus_command", "abaqus_versions", "result_extensions", "license_command",
                 "solver_process_names"):
        if name in values:
            values[name] = tuple(values[name])
    try:
        config = AgentConfig(**values)
    except TypeError as e:
        raise ConfigError(f"{source}: {e}") from e
    if config.cpus < 1:
        raise ConfigError(f"{source}: cpus must be at least 1")
    if not config.abaqus_command:
        raise ConfigError(f"{source}: abaqus_command is empty")
    if config.scratch_dir and not SCRATCH.fullmatch(config.scratch_dir):
        raise ConfigError(f"{source}: scratch_dir {config.scratch_dir!r} must be a plain path without spaces "
                          "(letters, digits, _ . - : \\ /): it goes on the abaqus.bat command line")
    bad = [name for name in config.abaqus_env if not str(name).isidentifier()]
    if bad:
        raise ConfigError(f"{source}: abaqus_env names must be Python names: {', '.join(map(str, bad))}")
    if config.license_server_type.upper() not in ("FLEXNET", "DSLS"):
        raise ConfigError(f"{source}: license_server_type must be FLEXNET or DSLS")
    if config.log_format not in ("plain", "json"):
        raise ConfigError(f"{source}: log_format must be plain or json")
    return config
