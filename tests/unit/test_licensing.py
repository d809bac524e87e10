"""Reading the license server's report (FlexNet lmstat, as abaqus.md quotes it), and running the
license tools with the agent's license settings."""

from __future__ import annotations

import asyncio
import sys
import time

from node_agent import checks, licensing
from node_agent.config import from_mapping
from node_agent.licensing import parse_usage

REPORT = """lmutil - Copyright (c) 1989-2023 Flexera. All Rights Reserved.
Feature usage info:

Users of abaqus:  (Total of 78 licenses issued;  Total of 53 licenses in use)

  "abaqus" v2024.0, vendor: ABAQUSLM
  ana win-07 /dev/tty (v2024.0) (lic01/27000 101), start Mon 11/23 9:02, 16 licenses
"""


def test_issued_and_in_use_are_read():
    assert parse_usage(REPORT) == (78, 53)
    assert parse_usage("Users of abaqus:  (Total of 1 license issued;  Total of 0 licenses in use)") == (1, 0)


def test_a_report_without_the_abaqus_line_says_nothing():
    assert parse_usage("lmgrd is not running: License server machine is down or not responding.") is None
    assert parse_usage("Users of cae:  (Total of 10 licenses issued;  Total of 2 licenses in use)") is None


# A stand-in for `abaqus licensing lmstat -a` that, like Abaqus, takes its license server from the
# abaqus_v6.env in its working directory: it answers only when that names lic01.
FAKE_LMSTAT = r'''
import sys
from pathlib import Path
settings = {}
env = Path("abaqus_v6.env")
if env.is_file():
    exec(env.read_text(), {}, settings)
server = settings.get("abaquslm_license_file", "")
if server != "27000@lic01.example.com":
    print(f"lmgrd is not running: License server machine {server or '(none)'} is down or not responding.")
    sys.exit(1)
print(f"License server status: {server}")
print("Users of abaqus:  (Total of 78 licenses issued;  Total of 53 licenses in use)")
'''


def lmstat_config(tmp_path, **settings):
    script = tmp_path / "lmstat.py"
    script.write_text(FAKE_LMSTAT)
    return from_mapping({"license_command": [sys.executable, str(script)], "work_dir": str(tmp_path / "work"),
                         **settings})


def test_the_check_asks_the_license_server_the_agent_is_configured_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the service's working directory holds no abaqus_v6.env
    ok = checks.license_server(lmstat_config(tmp_path, license_server="27000@lic01.example.com"))
    assert ok == checks.Check("license server", True, "78 tokens issued, 53 in use")
    other = checks.license_server(lmstat_config(tmp_path, license_server="27000@lic02.example.com"))
    assert not other.ok and "lic02" in other.detail


def test_the_agents_license_usage_comes_from_its_own_license_server(tmp_path):
    config = lmstat_config(tmp_path, license_server="27000@lic01.example.com")
    assert asyncio.run(licensing.observe(config)) == (78, 53)
    assert asyncio.run(licensing.observe(lmstat_config(tmp_path))) is None  # no server configured


def test_a_license_command_that_hangs_is_killed(tmp_path):
    config = from_mapping({"license_command": [sys.executable, "-c", "import time; time.sleep(30)"]})
    started = time.monotonic()
    report = asyncio.run(licensing.query(config, timeout_s=0.5))
    assert "no answer in" in report.error and time.monotonic() - started < 10
    missing = asyncio.run(licensing.query(from_mapping({"license_command": [str(tmp_path / "no-such-tool")]})))
    assert "no-such-tool" in missing.error
