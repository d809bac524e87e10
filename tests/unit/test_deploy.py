"""`abaqueue nodes install` against a fake WinRM transport: it stands in for pywinrm's Protocol (the
SOAP layer under a WinRM shell) and for the node: it holds commands to Windows' limits (a command
line cmd.exe takes, a message WinRM takes), runs nothing, but decodes each script and checks that it
parses, keeps the files the scripts write from their stdin, and hands secrets read from stdin to
the install script as the real one would."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from client import deploy
from client.cli import main
from tests.unit.test_ps_scripts import PARSER, first_error

CMD_EXE_LIMIT = 8191  # characters of a command line, as cmd.exe (which WinRM runs commands with) takes
ENVELOPE_BYTES = 150 * 1024  # the smallest default MaxEnvelopeSizekb
POWERSHELL = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "
FILE = r"'C:\\Windows\\Temp\\abaqueue-install\\([^']+)'"
PASSWORD = "svc-p'w \u00e9t\u00e9"  # quotes and non-ASCII reach the node unchanged
TOKEN = b"abq_node_secret_0123456789abcdef"


def parses(script: str) -> bool:
    return first_error(PARSER.parse(script.encode("utf-8")).root_node) is None


@dataclass
class Command:
    line: str
    console_mode_stdin: bool
    stdin: bytearray = field(default_factory=bytearray)
    ended: bool = False


class FakeProtocol:
    """Stands in for winrm.protocol.Protocol and the Windows node behind it."""

    def __init__(self, fail_on: str = "") -> None:
        self.fail_on = fail_on
        self.command_lines: list[str] = []
        self.too_long: list[str] = []
        self.scripts: list[str] = []
        self.files: dict[str, bytes] = {}
        self.service_password: str | None = None
        self.install_arguments: str = ""
        self.shells = 0
        self._commands: dict[str, Command] = {}

    def open_shell(self, env_vars=None, **options) -> str:
        self.shells += 1
        return f"shell-{self.shells}"

    def run_command(self, shell_id, command, arguments=(), console_mode_stdin=True, skip_cmd_shell=False) -> str:
        line = " ".join([command, *arguments])
        self.command_lines.append(line)
        command_id = f"command-{len(self.command_lines)}"
        self._commands[command_id] = Command(line, console_mode_stdin)
        return command_id

    def send_command_input(self, shell_id, command_id, stdin_input, end=False) -> None:
        data = stdin_input.encode("437") if isinstance(stdin_input, str) else stdin_input
        assert len(base64.b64encode(data)) + 2000 < ENVELOPE_BYTES, "a stdin message larger than WinRM takes"
        command = self._commands[command_id]
        assert not command.ended and not command.console_mode_stdin
        command.stdin += data
        command.ended = end

    def get_command_output(self, shell_id, command_id) -> tuple[bytes, bytes, int]:
        command = self._commands[command_id]
        if len(command.line) > CMD_EXE_LIMIT:
            self.too_long.append(command.line)
            return b"", b"The command line is too long.\r\n", 1
        assert command.line.startswith(POWERSHELL), command.line[:100]
        script = base64.b64decode(command.line.removeprefix(POWERSHELL)).decode("utf-16-le")
        self.scripts.append(script)
        assert parses(script), script[:300]
        if not command.console_mode_stdin:
            assert command.ended, "stdin never closed: the script would wait for ever"
        return self._run(script, bytes(command.stdin))

    def _run(self, script: str, stdin: bytes) -> tuple[bytes, bytes, int]:
        if self.fail_on and self.fail_on in script:
            return b"", b"Install failed: access denied", 1
        if m := re.search(rf"\[IO\.File\]::Create\({FILE}\)", script):
            self.files[m.group(1)] = b"".join(base64.b64decode(line) for line in stdin.split(b"\r\n") if line)
            return hashlib.sha256(self.files[m.group(1)]).hexdigest().upper().encode() + b"\r\n", b"", 0
        if m := re.search(rf"& {FILE}", script):
            ran = self.files[m.group(1)].decode("utf-8")  # run from the node's disk: it must have arrived
            assert parses(ran), m.group(1)
            if m.group(1) == "Install-AbaqueueAgent.ps1":
                lines = [line for line in stdin.split(b"\r\n") if line]
                if lines:
                    self.service_password = base64.b64decode(lines[0]).decode("utf-8")
                self.install_arguments = re.search(r"\$arguments = @\{(.*?)\}", script).group(1)
                return b"AbaqueueAgent is Running\r\n", b"", 0
            return b"ok   Abaqus launcher exists (full path): C:\\SIMULIA\\Commands\\abaqus.bat\r\n", b"", 0
        return b"", b"", 0

    def cleanup_command(self, shell_id, command_id) -> None:
        pass

    def close_shell(self, shell_id) -> None:
        pass


@pytest.fixture
def fake(monkeypatch) -> FakeProtocol:
    protocol = FakeProtocol()
    seen = {}

    def connect(host, user, password, transport="ntlm", port=5986, verify=True):
        seen.update(host=host, user=user, password=password, transport=transport, verify=verify)
        return protocol

    monkeypatch.setattr(deploy, "session", connect)
    protocol.seen = seen
    return protocol


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    config = tmp_path / "agent.toml"
    config.write_text('scheduler = "sched01:50052"\nabaqus_command = "C:\\\\SIMULIA\\\\Commands\\\\abaqus.bat"\n'
                      'work_dir = "D:\\\\abaqueue\\\\work"\n'
                      'token_file = "C:\\\\ProgramData\\\\Abaqueue\\\\node.token"\n')
    wheel = tmp_path / "abaqueue-0.1.0-py3-none-any.whl"
    wheel.write_bytes(hashlib.sha256(b"seed").digest() * 40_000 + bytes(range(256)) * 20)  # ~1.3 MB: many chunks
    token = tmp_path / "node07.token"
    token.write_bytes(TOKEN)
    return {"config": config, "wheel": wheel, "token": token}


def install_args(files, *more: str) -> list[str]:
    return ["nodes", "install", "--host", "cae-node07", "--user", "CAE\\admin", "--config", str(files["config"]),
            *more]


def secrets_in(text: str) -> list[str]:
    forms = {PASSWORD, TOKEN.decode(), base64.b64encode(TOKEN).decode(),
             base64.b64encode(PASSWORD.encode("utf-8")).decode()}
    return [form for form in forms if form in text]


def test_install_copies_everything_intact_and_runs_the_install_script(fake, files, monkeypatch, capsys):
    monkeypatch.setenv("ABAQUEUE_WINRM_PASSWORD", "winrm-pw")
    monkeypatch.setenv("ABAQUEUE_SERVICE_PASSWORD", PASSWORD)
    code = main(install_args(files, "--wheel", str(files["wheel"]), "--node-token", str(files["token"]),
                             "--service-account", "CAE\\svc-abaqus"))
    assert code == 0, capsys.readouterr().err
    assert "AbaqueueAgent is Running" in capsys.readouterr().out
    assert fake.seen == {"host": "cae-node07", "user": "CAE\\admin", "password": "winrm-pw", "transport": "ntlm",
                         "verify": True}
    assert fake.files["abaqueue-0.1.0-py3-none-any.whl"] == files["wheel"].read_bytes()
    assert fake.files["agent.toml"] == files["config"].read_bytes()
    assert fake.files["node.token"] == TOKEN
    scripts_dir = Path(deploy.SCRIPTS)
    for name in ("Install-AbaqueueAgent.ps1", "Test-AbaqueueNode.ps1"):
        assert fake.files[name] == (scripts_dir / name).read_bytes()
    assert fake.service_password == PASSWORD  # from stdin, as the SecureString the script takes
    assert "ServiceAccount = 'CAE\\svc-abaqus'" in fake.install_arguments
    assert "TokenFile = 'C:\\Windows\\Temp\\abaqueue-install\\node.token'" in fake.install_arguments
    assert "Remove-Item -LiteralPath 'C:\\Windows\\Temp\\abaqueue-install'" in fake.scripts[-1]


def test_no_command_line_is_longer_than_windows_takes_or_carries_a_secret(fake, files, monkeypatch, capsys):
    monkeypatch.setenv("ABAQUEUE_WINRM_PASSWORD", "winrm-pw")
    monkeypatch.setenv("ABAQUEUE_SERVICE_PASSWORD", PASSWORD)
    assert main(install_args(files, "--wheel", str(files["wheel"]), "--node-token", str(files["token"]),
                             "--service-account", "CAE\\svc-abaqus")) == 0, capsys.readouterr().err
    assert fake.too_long == [] and max(len(line) for line in fake.command_lines) <= CMD_EXE_LIMIT
    assert len(fake.command_lines) == len(fake.scripts)  # each one ran, and parsed
    for line, script in zip(fake.command_lines, fake.scripts):
        assert secrets_in(line) == [] and secrets_in(script) == [], script[:200]
        assert "winrm-pw" not in line and "winrm-pw" not in script


def test_the_fake_refuses_what_windows_would(fake):
    """The limits the tests hold the deployment to are those of Windows: a script inlined in a
    command line is refused, as the old way of copying chunks would have been."""
    script = f"[IO.File]::WriteAllBytes('x', [Convert]::FromBase64String('{'A' * 12_000}'))"
    with pytest.raises(deploy.DeployError, match="8191"):
        deploy.Deployment(fake).run(script)
    line = POWERSHELL + base64.b64encode(script.encode("utf-16-le")).decode()
    shell = fake.open_shell()
    assert fake.get_command_output(shell, fake.run_command(shell, line))[2] == 1 and fake.too_long == [line]


def test_check_runs_only_the_node_checks_with_the_configs_settings(fake, files, monkeypatch, capsys):
    monkeypatch.setenv("ABAQUEUE_WINRM_PASSWORD", "winrm-pw")
    assert main(install_args(files, "--check", "--transport", "kerberos")) == 0
    assert "Abaqus launcher exists" in capsys.readouterr().out
    run = [s for s in fake.scripts if s.startswith("& ")]
    assert len(run) == 1 and "Test-AbaqueueNode.ps1" in run[0]
    assert "-Scheduler 'sched01:50052' -AbaqusCommand 'C:\\SIMULIA\\Commands\\abaqus.bat'" in run[0]
    assert not any("Install-AbaqueueAgent" in s for s in fake.scripts)
    assert fake.seen["transport"] == "kerberos"


def test_a_failing_node_gives_a_clear_error_and_the_staging_folder_is_cleaned(fake, files, monkeypatch, capsys):
    monkeypatch.setenv("ABAQUEUE_WINRM_PASSWORD", "winrm-pw")
    fake.fail_on = "& 'C:\\Windows\\Temp\\abaqueue-install\\Install-AbaqueueAgent.ps1'"
    assert main(install_args(files, "--wheel", str(files["wheel"]))) != 0
    assert "exit code 1: Install failed: access denied" in capsys.readouterr().err
    assert "Remove-Item" in fake.scripts[-1]
    assert fake.service_password is None  # LocalSystem: no password asked for, none sent


def test_a_file_damaged_on_the_way_is_an_error(fake, files, monkeypatch, capsys):
    monkeypatch.setenv("ABAQUEUE_WINRM_PASSWORD", "winrm-pw")
    receive = fake._run

    def lose_a_byte(script, stdin):
        out, err, code = receive(script, stdin)
        if "whl" in script:
            out = hashlib.sha256(b"something else").hexdigest().encode()
        return out, err, code

    fake._run = lose_a_byte
    assert main(install_args(files, "--wheel", str(files["wheel"]))) != 0
    assert "arrived damaged" in capsys.readouterr().err


def test_passwords_are_never_options_and_install_needs_a_wheel(fake, files, monkeypatch, capsys):
    monkeypatch.setenv("ABAQUEUE_WINRM_PASSWORD", "winrm-pw")
    assert main(install_args(files, "--password", "x")) != 0
    assert main(install_args(files)) != 0
    assert "--wheel is needed" in capsys.readouterr().err
