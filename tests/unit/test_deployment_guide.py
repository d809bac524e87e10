"""The deployment guide lists every flag of the scheduler, every variable it reads and every key of
the agent's configuration: a setting added without its line there fails here."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from node_agent.config import AgentConfig
from scheduler.main import build_parser

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text()
MAIN = (Path(__file__).resolve().parents[2] / "scheduler" / "main.py").read_text()


def test_every_scheduler_flag_is_in_the_guide():
    flags = [o for a in build_parser()._actions if a.dest != "help" for o in a.option_strings]
    assert len(flags) > 40
    assert [f for f in flags if f"`{f}`" not in GUIDE] == []


def test_every_environment_variable_the_scheduler_reads_is_in_the_guide():
    names = set(re.findall(r'"(SCHEDULER_[A-Z_]+)"', MAIN)) | set(re.findall(r'env\("([A-Z_]+)"', MAIN))
    per_role = set(re.findall(r'f"(SCHEDULER_[A-Z_]+_)\{role\.name\}"', MAIN))  # one variable per role
    assert len(names) > 8 and len(per_role) == 2
    assert [n for n in names if f"`{n}`" not in GUIDE] == []
    assert [n for n in per_role if f"`{n}ADMIN` / `_LEAD` / `_DEVELOPER` / `_GUEST`" not in GUIDE] == []


def test_every_agent_setting_is_in_the_guide():
    assert [f.name for f in fields(AgentConfig) if f"`{f.name}`" not in GUIDE] == []
