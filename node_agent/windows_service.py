"""The agent as a Windows service (pywin32): the same loop as `abaqueue-agent run`, stopped by the
service manager, logging to a rotating file beside its configuration and to the event log.

Installed by ps_scripts/Install-AbaqueueAgent.ps1, which runs, in the agent's virtual environment:
    python -m node_agent.windows_service --startup auto install
then sets the service's account through Win32_Service.Change (so no password is ever on a command
line) and its recovery actions (restart on failure). The service is registered by its import path,
node_agent.windows_service.AgentService: run as `python -m`, pywin32 would otherwise register this
file's path, and pythonservice.exe would import it as a top-level module whose relative imports
fail. When the agent stops on an error, SvcDoRun raises: the service stops with a non-zero exit
code and its recovery actions restart it. The configuration is read from %ABAQUEUE_AGENT_CONFIG%,
else C:\\ProgramData\\Abaqueue\\agent.toml.
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
# What pythonservice.exe imports: the class by its package path, never by this file's path.
SERVICE_CLASS = "node_agent.windows_service.AgentService"
DISPLAY_NAME = "Abaqueue agent"
DEFAULT_CONFIG = Path(os.environ.get("ProgramData", "C:\\ProgramData")) / "Abaqueue" / "agent.toml"


def config_path() -> Path:
    return Path(os.environ.get("ABAQUEUE_AGENT_CONFIG", DEFAULT_CONFIG))


def run_until(stop: threading.Event, path: Path) -> None:
    """Run the agent until `stop` is set (from another thread); its solvers keep running."""
    config = load(path)
    logs.setup(log_file=path.parent / "logs" / "agent.log", console=False,
               event_log=DISPLAY_NAME if os.name == "nt" else None, kind=config.log_format)

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
            try:
                run_until(self.stop, config_path())
            except Exception as e:  # pythonservice reports SERVICE_STOPPED with an error: recovery restarts us
                servicemanager.LogErrorMsg(f"{DISPLAY_NAME} stopped on an error: {e}")
                raise


def handle_command_line(handle, service_class: type, argv: list[str] | None = None) -> int:
    """pywin32's HandleCommandLine (`handle`) for the service class, registered by its import path;
    its error code (0: done)."""
    return handle(service_class, serviceClassString=SERVICE_CLASS, argv=argv)


def main() -> None:
    if os.name != "nt":
        sys.exit("the Windows service exists on Windows only; on Linux run: abaqueue-agent run --config FILE")
    sys.exit(handle_command_line(win32serviceutil.HandleCommandLine, AgentService))  # pragma: no cover


if __name__ == "__main__":
    main()
