"""`abaqueue nodes install`: put the agent on a Windows node over WinRM (pywinrm), HTTPS with NTLM
or Kerberos. The wheel, the agent's configuration, the node's token and the PowerShell scripts are
copied in base64 chunks (WinRM has no file transfer), each checked by its SHA-256 on arrival, then
ps_scripts/Install-AbaqueueAgent.ps1 (or, with --check, Test-AbaqueueNode.ps1) runs there. The
passwords travel inside the encrypted WinRM messages, never on a command line.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import ps_scripts

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCRIPTS = ps_scripts.DIR
STAGING = "C:\\Windows\\Temp\\abaqueue-install"
CHUNK_BYTES = 300_000  # of file content a message: well inside WinRM's default envelope size


class DeployError(Exception):
    pass


class Remote(Protocol):
    """What pywinrm's Session offers and this module uses."""

    def run_ps(self, script: str): ...  # -> an object with status_code, std_out, std_err


def session(host: str, user: str, password: str, transport: str = "ntlm", port: int = 5986,
            verify: bool = True) -> Remote:
    import winrm  # pywinrm: imported here so the rest of the CLI does not pay for it

    return winrm.Session(f"https://{host}:{port}/wsman", auth=(user, password), transport=transport,
                         server_cert_validation="validate" if verify else "ignore")


def quoted(text: str) -> str:
    """A PowerShell single-quoted string: nothing in it is expanded."""
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Deployment:
    remote: Remote
    say: Callable[[str], None] = print

    def run(self, script: str) -> str:
        response = self.remote.run_ps(script)
        out = response.std_out.decode("utf-8", "replace")
        if response.status_code != 0:
            err = response.std_err.decode("utf-8", "replace").strip()
            raise DeployError(f"the node answered with exit code {response.status_code}: {(err or out)[-2000:]}")
        return out

    def copy(self, local: Path, name: str) -> str:
        """Copy `local` to the staging folder as `name`; its path there."""
        data = local.read_bytes()
        target = f"{STAGING}\\{name}"
        self.run(f"New-Item -ItemType Directory -Force -Path {quoted(STAGING)} | Out-Null; "
                 f"[IO.File]::WriteAllBytes({quoted(target)}, [byte[]]@())")
        for start in range(0, len(data), CHUNK_BYTES):
            chunk = base64.b64encode(data[start:start + CHUNK_BYTES]).decode("ascii")
            self.run(f"$f = [IO.File]::Open({quoted(target)}, 'Append'); "
                     f"$b = [Convert]::FromBase64String('{chunk}'); $f.Write($b, 0, $b.Length); $f.Close()")
        arrived = self.run(f"(Get-FileHash -Algorithm SHA256 -LiteralPath {quoted(target)}).Hash").strip().lower()
        if arrived != hashlib.sha256(data).hexdigest():
            raise DeployError(f"{name} arrived damaged (SHA-256 {arrived or 'unknown'})")
        self.say(f"copied {local.name} ({len(data)} bytes)")
        return target

    def check(self, config: Path) -> str:
        settings = read_config(config)
        script = self.copy(SCRIPTS / "Test-AbaqueueNode.ps1", "Test-AbaqueueNode.ps1")
        command = settings["abaqus_command"]
        return self.run(f"& {quoted(script)} -Scheduler {quoted(settings['scheduler'])} "
                        f"-AbaqusCommand {quoted(command if isinstance(command, str) else command[0])} "
                        f"-WorkDir {quoted(str(settings['work_dir']))}")

    def install(self, wheel: Path, config: Path, token_file: Path | None = None, service_account: str = "",
                service_password: str = "") -> str:
        read_config(config)
        if service_account and not service_password:
            raise DeployError("a service account needs its password")
        script = self.copy(SCRIPTS / "Install-AbaqueueAgent.ps1", "Install-AbaqueueAgent.ps1")
        self.copy(SCRIPTS / "Test-AbaqueueNode.ps1", "Test-AbaqueueNode.ps1")
        args = [f"-Wheel {quoted(self.copy(wheel, wheel.name))}",
                f"-ConfigFile {quoted(self.copy(config, 'agent.toml'))}"]
        if token_file is not None:
            args.append(f"-TokenFile {quoted(self.copy(token_file, 'node.token'))}")
        if service_account:
            args += [f"-ServiceAccount {quoted(service_account)}",
                     f"-ServicePassword (ConvertTo-SecureString {quoted(service_password)} -AsPlainText -Force)"]
        try:
            return self.run(f"& {quoted(script)} {' '.join(args)}")
        finally:  # the token and the configuration do not stay in the staging folder
            self.run(f"Remove-Item -LiteralPath {quoted(STAGING)} -Recurse -Force -ErrorAction SilentlyContinue")


def read_config(path: Path) -> dict:
    """The agent's TOML, with what the node scripts need from it."""
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DeployError(f"{path}: {e}") from e
    missing = [k for k in ("scheduler", "abaqus_command", "work_dir") if not settings.get(k)]
    if missing:
        raise DeployError(f"{path} lacks {', '.join(missing)}: the node needs them")
    return settings
