"""The license server's report: `abaqus licensing lmstat -a` (FlexNet) or `dslsstat -usage`
(DSLS), run by `abaqueue-agent check` and now and then by an agent that reports license usage.

The command runs in a scratch directory holding the abaqus_v6.env the agent writes into each job
directory: that file names the license server, and a service account's home holds none, so
outside such a directory the tools would ask another server or none."""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import abaqus_env
from .config import AgentConfig

log = logging.getLogger(__name__)

TIMEOUT_S = 60.0
FLEXNET = re.compile(r"Users of abaqus:\s*\(Total of (\d+) licenses? issued;\s*Total of (\d+) licenses? in use\)",
                     re.IGNORECASE)


def parse_usage(text: str) -> tuple[int, int] | None:
    """(issued, in use) from lmstat's report; None when the report has no `Users of abaqus` line."""
    match = FLEXNET.search(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def is_dsls(config: AgentConfig) -> bool:
    return config.license_server_type.upper() == "DSLS"


def command(config: AgentConfig) -> list[str]:
    """`license_command` when set, else the Abaqus launcher's own licensing tool for the server type."""
    if config.license_command:
        return list(config.license_command)
    tool = ["dslsstat", "-usage"] if is_dsls(config) else ["lmstat", "-a"]
    return [*config.abaqus_command, "licensing", *tool]


@dataclass(frozen=True)
class Report:
    """What the license command printed (stdout and stderr), its exit code; `error` when it could
    not be run or did not finish."""

    output: str = ""
    exit_code: int | None = None
    error: str = ""

    def last_line(self) -> str:
        lines = self.output.strip().splitlines()
        return lines[-1] if lines else f"exit code {self.exit_code}"


async def query(config: AgentConfig, timeout_s: float = TIMEOUT_S) -> Report:
    """Run the license command, with the agent's license settings, in a scratch directory; killed
    when it takes longer than `timeout_s` (or the caller gives up)."""
    args = command(config)
    with tempfile.TemporaryDirectory(prefix="abaqueue-license-", ignore_cleanup_errors=True) as scratch:
        abaqus_env.write(config, Path(scratch))
        try:
            process = await asyncio.create_subprocess_exec(*args, cwd=scratch, stdin=asyncio.subprocess.DEVNULL,
                                                           stdout=asyncio.subprocess.PIPE,
                                                           stderr=asyncio.subprocess.STDOUT)
        except OSError as e:
            return Report(error=f"{' '.join(args)}: {e}")
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout_s)
        except asyncio.TimeoutError:
            return Report(error=f"{' '.join(args)}: no answer in {timeout_s:.0f} s")
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    return Report(output.decode("utf-8", "replace"), process.returncode)


async def observe(config: AgentConfig, timeout_s: float = TIMEOUT_S) -> tuple[int, int] | None:
    """Tokens (issued, in use) as the license server reports them; None (and a warning in the log)
    when that fails."""
    report = await query(config, timeout_s)
    if report.error:
        log.warning("license command: %s", report.error)
        return None
    usage = parse_usage(report.output)
    if usage is None:
        log.warning("the license command's output has no 'Users of abaqus' line (exit code %s): %s",
                    report.exit_code, report.last_line())
    return usage
