"""`abaqueue nodes install`: put the agent on a Windows node over WinRM (pywinrm), HTTPS with NTLM
or Kerberos, then run ps_scripts/Install-AbaqueueAgent.ps1 (or, with --check, Test-AbaqueueNode.ps1)
from the node's disk.

WinRM runs each command through cmd.exe, whose command line holds 8,191 characters, and a WinRM
message holds a few hundred KB. So no content ever goes on a command line: each command is a short
PowerShell script (`-EncodedCommand`, well under the limit), and file bytes travel on the command's
stdin, in base64 lines of CHUNK_BYTES, one WinRM message each; every file is checked by its SHA-256
on arrival. Secrets (the node's token, which is a copied file, and the service account's password)
travel on stdin too, inside the encrypted WinRM messages: never on a command line, where process
listings and audit logs would show them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import ps_scripts
from abaqueue import toml

SCRIPTS = ps_scripts.DIR
STAGING = "C:\\Windows\\Temp\\abaqueue-install"
# Of file content a stdin message: 64 KiB as base64, about 87 KB once pywinrm encodes it again,
# inside the smallest default MaxEnvelopeSizekb (150 KB on older Windows, 500 KB on newer).
CHUNK_BYTES = 48 * 1024
MAX_COMMAND_LINE = 8191  # cmd.exe's limit; WinRM runs each command through it
POWERSHELL = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand"

# Writes its stdin (base64 lines) to a file, then prints the file's SHA-256.
RECEIVE = """begin {{
    $ErrorActionPreference = 'Stop'
    New-Item -ItemType Directory -Force -Path {staging} | Out-Null
    $file = [IO.File]::Create({target})
}}
process {{
    $bytes = [Convert]::FromBase64String($input)
    $file.Write($bytes, 0, $bytes.Length)
}}
end {{
    $file.Close()
    (Get-FileHash -Algorithm SHA256 -LiteralPath {target}).Hash
}}
"""
# Runs the install script with the service account's password read from stdin (one base64 line of
# its UTF-8), as the SecureString the script takes.
INSTALL = """$ErrorActionPreference = 'Stop'
$arguments = @{{ {arguments} }}
foreach ($line in @($input)) {{
    if (-not $line) {{ continue }}
    $password = New-Object System.Security.SecureString
    foreach ($c in [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($line)).ToCharArray()) {{
        $password.AppendChar($c)
    }}
    $arguments['ServicePassword'] = $password
}}
& {script} @arguments
"""


class DeployError(Exception):
    pass


class Remote(Protocol):
    """What pywinrm's winrm.protocol.Protocol offers and this module uses."""

    def open_shell(self) -> str: ...

    def run_command(self, shell_id: str, command: str, arguments: Iterable[str] = (),
                    console_mode_stdin: bool = True) -> str: ...

    def send_command_input(self, shell_id: str, command_id: str, stdin_input: bytes, end: bool = False) -> None: ...

    def get_command_output(self, shell_id: str, command_id: str) -> tuple[bytes, bytes, int]: ...

    def cleanup_command(self, shell_id: str, command_id: str) -> None: ...

    def close_shell(self, shell_id: str) -> None: ...


def session(host: str, user: str, password: str, transport: str = "ntlm", port: int = 5986,
            verify: bool = True) -> Remote:
    from winrm.protocol import Protocol as WinRM  # pywinrm: imported here so the rest of the CLI does not pay for it

    return WinRM(f"https://{host}:{port}/wsman", transport=transport, username=user, password=password,
                 server_cert_validation="validate" if verify else "ignore")


def quoted(text: str) -> str:
    """A PowerShell single-quoted string: nothing in it is expanded."""
    return "'" + text.replace("'", "''") + "'"


def command_line(script: str) -> str:
    """The command that runs `script`; DeployError when it would not fit cmd.exe's line."""
    line = f"{POWERSHELL} {base64.b64encode(script.encode('utf-16-le')).decode('ascii')}"
    if len(line) > MAX_COMMAND_LINE:
        raise DeployError(f"a script of {len(script)} characters makes a {len(line)}-character command line; "
                          f"Windows takes {MAX_COMMAND_LINE}")
    return line


def base64_lines(data: bytes) -> Iterable[bytes]:
    for start in range(0, len(data), CHUNK_BYTES):
        yield base64.b64encode(data[start:start + CHUNK_BYTES]) + b"\r\n"


_CLIXML_TEXT = re.compile(r'<S S="Error">(.*?)</S>', re.DOTALL)


def readable_error(stderr: bytes) -> str:
    """PowerShell's stderr, its CLIXML error records turned back into text."""
    text = stderr.decode("utf-8", "replace")
    if text.startswith("#< CLIXML"):
        parts = _CLIXML_TEXT.findall(text)
        if parts:
            text = "".join(parts).replace("_x000D__x000A_", "\n")
    return text.strip()


@dataclass
class Deployment:
    remote: Remote
    say: Callable[[str], None] = print

    def run(self, script: str, stdin: Iterable[bytes] | None = None) -> str:
        """Run `script` on the node, feeding it `stdin` (then end of input) when given; its stdout."""
        line = command_line(script)
        shell = self.remote.open_shell()
        try:
            command = self.remote.run_command(shell, line, console_mode_stdin=stdin is None)
            try:
                if stdin is not None:
                    for chunk in stdin:
                        self.remote.send_command_input(shell, command, chunk)
                    self.remote.send_command_input(shell, command, b"", end=True)
                out, err, code = self.remote.get_command_output(shell, command)
            finally:
                self.remote.cleanup_command(shell, command)
        finally:
            self.remote.close_shell(shell)
        text = out.decode("utf-8", "replace")
        if code != 0:
            raise DeployError(f"the node answered with exit code {code}: {(readable_error(err) or text)[-2000:]}")
        return text

    def copy(self, local: Path, name: str) -> str:
        """Copy `local` to the staging folder as `name`; its path there."""
        data = local.read_bytes()
        target = f"{STAGING}\\{name}"
        script = RECEIVE.format(staging=quoted(STAGING), target=quoted(target))
        arrived = self.run(script, base64_lines(data)).strip().lower()
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
                        f"-WorkDir {quoted(str(settings['work_dir']))}\nexit $LASTEXITCODE\n")

    def install(self, wheel: Path, config: Path, token_file: Path | None = None, service_account: str = "",
                service_password: str = "") -> str:
        read_config(config)
        if service_account and not service_password:
            raise DeployError("a service account needs its password")
        try:
            script = self.copy(SCRIPTS / "Install-AbaqueueAgent.ps1", "Install-AbaqueueAgent.ps1")
            self.copy(SCRIPTS / "Test-AbaqueueNode.ps1", "Test-AbaqueueNode.ps1")
            arguments = {"Wheel": self.copy(wheel, wheel.name), "ConfigFile": self.copy(config, "agent.toml")}
            if token_file is not None:
                arguments["TokenFile"] = self.copy(token_file, "node.token")
            if service_account:
                arguments["ServiceAccount"] = service_account
            secret = [base64.b64encode(service_password.encode("utf-8")) + b"\r\n"] if service_account else []
            splat = "; ".join(f"{key} = {quoted(value)}" for key, value in arguments.items())
            return self.run(INSTALL.format(arguments=splat, script=quoted(script)), secret)
        finally:  # the token and the configuration do not stay in the staging folder
            self._remove_staging()

    def _remove_staging(self) -> None:
        try:
            self.run(f"Remove-Item -LiteralPath {quoted(STAGING)} -Recurse -Force -ErrorAction SilentlyContinue")
        except DeployError as e:  # the install's own outcome matters more
            self.say(f"could not remove {STAGING} on the node: {e}")


def read_config(path: Path) -> dict:
    """The agent's TOML, with what the node scripts need from it."""
    try:
        settings = toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, toml.TOMLDecodeError) as e:
        raise DeployError(f"{path}: {e}") from e
    missing = [k for k in ("scheduler", "abaqus_command", "work_dir") if not settings.get(k)]
    if missing:
        raise DeployError(f"{path} lacks {', '.join(missing)}: the node needs them")
    return settings
