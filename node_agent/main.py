"""`abaqueue-agent`: run the node agent in the foreground (a Windows service wraps the same loop)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from abaqueue.shutdown import stop_on_signals

from .agent import Agent
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
    a = p.parse_args(argv)
    logging.basicConfig(level=a.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
