"""`abaqueue-agent`: run the node agent in the foreground (a Windows service wraps the same loop)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from abaqueue.shutdown import stop_on_signals

from . import checks, inspection, logs
from .agent import Agent, AgentFailed
from .config import AgentConfig, ConfigError, load


async def _run(config: AgentConfig) -> None:
    agent = Agent(config)  # built inside the loop: its gRPC channel belongs to this loop
    await agent.run(stop_on_signals())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="abaqueue-agent", description="The Abaqueue node agent.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the agent in the foreground")
    run.add_argument("--config", type=Path, required=True, help="the agent's TOML file")
    run.add_argument("--log-level", default="INFO")
    run.add_argument("--log-file", type=Path, help="also log to this file, rotated at 20 MB (ten kept)")
    run.add_argument("--log-format", choices=("plain", "json"), default="plain",
                     help="plain lines, or one JSON object a line (time, level, logger, message, job, attempt, node)")
    look = sub.add_parser(
        "inspect", help="what the agent would report about a job directory",
        description="Read a job directory as the agent does (the .sta, .msg, .dat and log, the .inp with its "
                    "includes) and print the job's outcome, progress and error.",
        epilog="example: abaqueue-agent inspect D:\\abaqueue\\work\\3f2c...-1 --json")
    look.add_argument("dir", type=Path, help="the job directory")
    look.add_argument("--job", help="the Abaqus job name (default: the one .inp in the directory)")
    look.add_argument("--json", action="store_true", help="one JSON object")
    check = sub.add_parser(
        "check", help="whether this node can run jobs: Abaqus, license server, work directory, disk, scheduler",
        epilog="example: abaqueue-agent check --config C:\\ProgramData\\Abaqueue\\agent.toml")
    check.add_argument("--config", type=Path, required=True, help="the agent's TOML file")
    check.add_argument("--json", action="store_true", help="one JSON object")
    a = p.parse_args(argv)
    if a.command == "inspect":
        return _inspect(a)
    if a.command == "check":
        return _check(a)
    logs.setup(a.log_level, a.log_file, kind=a.log_format)
    try:
        config = load(a.config)
        config.token()  # unreadable token or TLS files are configuration errors, said before starting
        config.credentials()
    except ConfigError as e:
        p.error(str(e))
    try:
        asyncio.run(_run(config))
    except KeyboardInterrupt:
        pass
    except AgentFailed as e:  # logged where it happened; a non-zero exit has the service manager restart us
        print(f"abaqueue-agent: stopped on an error: {e}", file=sys.stderr)
        return 1
    return 0


def _check(a: argparse.Namespace) -> int:
    try:
        config = load(a.config)
    except ConfigError as e:
        print(f"abaqueue-agent check: {e}", file=sys.stderr)
        return 2
    results = checks.run_all(config)
    if a.json:
        print(json.dumps({"ok": all(c.ok for c in results),
                          "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in results]}))
    else:
        for c in results:
            print(f"{'OK  ' if c.ok else 'FAIL'} {c.name:15s} {c.detail}")
    return 0 if all(c.ok for c in results) else 1


def _inspect(a: argparse.Namespace) -> int:
    try:
        seen = inspection.inspect(a.dir, a.job)
    except inspection.NoJob as e:
        print(f"abaqueue-agent inspect: {e}", file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(seen))
    else:
        for key, value in seen.items():
            print(f"{key:20s} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
