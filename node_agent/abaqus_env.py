"""abaqus_v6.env for one job directory: Abaqus reads it from there before the user's home, so an
agent running as a service account (whose home holds no such file) still reaches its license
server and queues for tokens as the node's owner wants."""

from __future__ import annotations

from pathlib import Path

from .config import AgentConfig

FILE_NAME = "abaqus_v6.env"


def settings(config: AgentConfig) -> dict[str, object]:
    """The settings the file holds, in Abaqus's names."""
    out: dict[str, object] = {}
    if config.license_server_type.upper() == "DSLS":
        out["license_server_type"] = "DSLS"
        if config.dsls_license_config:
            out["dsls_license_config"] = config.dsls_license_config
    elif config.license_server:
        out["license_server_type"] = "FLEXNET"
        out["abaquslm_license_file"] = config.license_server
    if config.license_queue_minutes:
        out["lmlicensequeuing"] = True
        out["lmhanglimit"] = config.license_queue_minutes
    out.update(config.abaqus_env)
    return out


def text(config: AgentConfig) -> str:
    """The file: one `name=value` line a setting, values as Python literals (the file is Python)."""
    lines = ["# Written by the Abaqueue agent for this job; the node's agent configuration holds these."]
    lines += [f"{name}={value!r}" for name, value in settings(config).items()]
    return "\n".join(lines) + "\n"


def write(config: AgentConfig, job_dir: Path) -> Path:
    """Write the file; one the job brought keeps its settings, with the node's after them (they win)."""
    path = job_dir / FILE_NAME
    own = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    path.write_text(own + ("\n" if own and not own.endswith("\n") else "") + text(config), encoding="utf-8")
    return path
