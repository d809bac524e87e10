"""`abaqueue nodes install` against a fake WinRM transport: pywinrm's own Session encodes each
script as the real one does; the fake protocol underneath decodes it, keeps the files it writes,
and records every script run."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
import winrm

from client import deploy
from client.cli import main
from tests.unit.test_ps_scripts import PARSER, first_error

FILE = r"'C:\\Windows\\Temp\\abaqueue-install\\([^']+)'"


class FakeProtocol:
    """Stands in for winrm.Protocol: runs nothing, but writes and hashes files as the scripts ask."""

    def __init__(self, fail_on: str = "") -> None:
        self.scripts: list[str] = []
        self.files: dict[str, bytes] = {}
        self.fail_on = fail_on
        self._output: tuple[bytes, bytes, int] = (b"", b"", 0)

    def open_shell(self):
        return "shell-1"

    def run_command(self, shell_id, command, args=()):
        encoded = command.removeprefix("powershell -encodedcommand ")
        script = base64.b64decode(encoded).decode("utf-16-le")
        self.scripts.append(script)
        self._output = self._run(script)
        return "command-1"

    def _run(self, script: str) -> tuple[bytes, bytes, int]:
        if self.fail_on and self.fail_on in script:
            return b"", b"Install failed: access denied", 1
        if m := re.search(rf"WriteAllBytes\({FILE}, \[byte\[\]\]@\(\)\)", script):
            self.files[m.group(1)] = b""
        elif m := re.search(rf"Open\({FILE}, 'Append'\); \$b = \[Convert\]::FromBase64String\('([^']*)'\)", script):
            self.files[m.group(1)] += base64.b64decode(m.group(2))
        elif m := re.search(rf"Get-FileHash -Algorithm SHA256 -LiteralPath {FILE}", script):
            return hashlib.sha256(self.files[m.group(1)]).hexdigest().upper().encode() + b"\r\n", b"", 0
        elif "Install-AbaqueueAgent.ps1" in script or "Test-AbaqueueNode.ps1" in script:
            return b"AbaqueueAgent is Running\r\n", b"", 0
        return b"", b"", 0

    def get_command_output(self, shell_id, command_id):
        return self._output

    def cleanup_command(self, shell_id, command_id):
        pass

    def close_shell(self, shell_id):
        pass


@pytest.fixture
def fake(monkeypatch) -> FakeProtocol:
    protocol = FakeProtocol()
    seen = {}

    def connect(host, user, password, transport="ntlm", port=5986, verify=True):
        session = winrm.Session(f"https://{host}:{port}/wsman", auth=(user, password), transport=transport)
        session.protocol = protocol
        seen.update(host=host, user=user, password=password, transport=transport, verify=verify)
        return session

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
    wheel.write_bytes(bytes(range(256)) * 3000)  # several chunks
    token = tmp_path / "node07.token"
    token.write_text("abq_node_secret")
    return {"config": config, "wheel": wheel, "token": token}


def install_args(files, *more: str) -> list[str]:
    return ["nodes", "install", "--host", "cae-node07", "--user", "CAE\\admin", "--config", str(files["config"]),
            *more]


def test_install_copies_everything_intact_and_runs_the_install_script(fake, files, monkeypatch, capsys):
    monkeypatch.setenv("ABAQUEUE_WINRM_PASSWORD", "winrm-pw")
    monkeypatch.setenv("ABAQUEUE_SERVICE_PASSWORD", "svc-p'w")
    code = main(install_args(files, "--wheel", str(files["wheel"]), "--node-token", str(files["token"]),
                             "--service-account", "CAE\\svc-abaqus"))
    assert code == 0, capsys.readouterr().err
    assert "AbaqueueAgent is Running" in capsys.readouterr().out
    assert fake.seen == {"host": "cae-node07", "user": "CAE\\admin", "password": "winrm-pw", "transport": "ntlm",
                         "verify": True}
    assert fake.files["abaqueue-0.1.0-py3-none-any.whl"] == files["wheel"].read_bytes()
    assert fake.files["agent.toml"] == files["config"].read_bytes()
    assert fake.files["node.token"] == b"abq_node_secret"
    scripts_dir = Path(deploy.SCRIPTS)
    assert fake.files["Install-AbaqueueAgent.ps1"] == (scripts_dir / "Install-AbaqueueAgent.ps1").read_bytes()
    install = next(s for s in fake.scripts if s.startswith("& 'C:\\Windows\\Temp\\abaqueue-install\\Install-"))
    assert "-ServiceAccount 'CAE\\svc-abaqus'" in install
    assert "ConvertTo-SecureString 'svc-p''w' -AsPlainText -Force" in install  # quoted, not expanded
    assert "Remove-Item -LiteralPath 'C:\\Windows\\Temp\\abaqueue-install'" in fake.scripts[-1]
    for script in fake.scripts:  # every script sent is valid PowerShell
        assert first_error(PARSER.parse(script.encode()).root_node) is None, script[:200]


def test_check_runs_only_the_node_checks_with_the_configs_settings(fake, files, monkeypatch, capsys):
    monkeypatch.setenv("ABAQUEUE_WINRM_PASSWORD", "winrm-pw")
    assert main(install_args(files, "--check", "--transport", "kerberos")) == 0
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


def test_passwords_are_never_options_and_install_needs_a_wheel(fake, files, monkeypatch, capsys):
    monkeypatch.setenv("ABAQUEUE_WINRM_PASSWORD", "winrm-pw")
    assert main(install_args(files, "--password", "x")) != 0
    assert main(install_args(files)) != 0
    assert "--wheel is needed" in capsys.readouterr().err
