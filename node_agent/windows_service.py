"""The agent as a Windows service (pywin32): the same loop as `abaqueue-agent run`, stopped by the
service manager, logging to a rotating file beside its configuration and to the event log.

Installed by ps_scripts/Install-AbaqueueAgent.ps1, which runs, in the agent's virtual environment:
    python -m node_agent.windows_service --username .\\svc-abaqus --password ... --startup auto install
and sets the service's recovery actions (restart on failure). The configuration is read from
%ABAQUEUE_AGENT_CONFIG%, else C:\\ProgramData\\Abaqueue\\agent.toml.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path

from . import logs
from .agent import Agent
from .config import load

SERVICE_NAME = "AbaqueueAgent"
DISPLAY_NAME = "Abaqueue agent"
DEFAULT_CONFIG = Path(os.environ.get("ProgramData", "C:\\ProgramData")) / "Abaqueue" / "agent.toml"


def config_path() -> Path:
    return Path(os.environ.get("ABAQUEUE_AGENT_CONFIG", DEFAULT_CONFIG))


def run_until(stop: threading.Event, path: Path) -> None:
    """Run the agent until `stop` is set (from another thread); its solvers keep running."""
    config = load(path)
    logs.setup(log_file=path.parent / "logs" / "agent.log", console=False,
               event_log=DISPLAY_NAME if os.name == "nt" else None)

    async def main() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(target=lambda: (stop.wait(), loop.call_soon_threadsafe(stopping.set)),
                         daemon=True).start()
        await Agent(config).run(stopping)

    asyncio.run(main())


if os.name == "nt":  # pragma: no cover - Windows only
    import servicemanager
    import win32service
    import win32serviceutil

    class AgentService(win32serviceutil.ServiceFramework):
        _svc_name_ = SERVICE_NAME
        _svc_display_name_ = DISPLAY_NAME
        _svc_description_ = "Runs Abaqus jobs from the Abaqueue scheduler on this node."

        def __init__(self, args) -> None:
            super().__init__(args)
            self.stop = threading.Event()

        def SvcStop(self) -> None:  # noqa: N802 - pywin32's name
            self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
            self.stop.set()

        def SvcDoRun(self) -> None:  # noqa: N802 - pywin32's name
            servicemanager.LogInfoMsg(f"{DISPLAY_NAME} starting with {config_path()}")
            run_until(self.stop, config_path())


def main() -> None:
    if os.name != "nt":
        sys.exit("the Windows service exists on Windows only; on Linux run: abaqueue-agent run --config FILE")
    win32serviceutil.HandleCommandLine(AgentService)  # pragma: no cover


if __name__ == "__main__":
    main()
