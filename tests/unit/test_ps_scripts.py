"""PowerShell cannot run here, so every script in ps_scripts/ is checked by parsing it with
tree-sitter-powershell, for the comment-based help users read with Get-Help, and for secrets that
would reach a process command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

SCRIPTS = sorted((Path(__file__).resolve().parents[2] / "ps_scripts").glob("*.ps1"))
PARSER = Parser(Language(tree_sitter_powershell.language()))


def first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error and (found := first_error(child)):
            return found
    return None


def test_there_are_scripts():
    assert SCRIPTS


def test_the_parser_reports_a_broken_script():
    assert PARSER.parse(b"function Broken( {\n  Write-Output 'x'\n").root_node.has_error


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_parses_without_errors(script: Path):
    tree = PARSER.parse(script.read_bytes())
    error = first_error(tree.root_node)
    assert error is None, f"{script.name}:{error.start_point[0] + 1}: syntax error near {error.text[:60]!r}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_has_comment_based_help(script: Path):
    text = script.read_text(encoding="utf-8")
    assert text.startswith("<#")
    for keyword in (".SYNOPSIS", ".DESCRIPTION", ".EXAMPLE"):
        assert keyword in text.split("#>")[0], f"{script.name} lacks {keyword}"


def native_commands(node: Node):
    """Commands that start a process (`& $exe ...`, `name.exe ...`): their arguments become a
    process command line that other users can read."""
    if node.type == "command":
        name = next((c for c in node.children if c.type == "command_name"), None)
        if name is None or name.text.decode().lower().endswith(".exe"):
            yield node
    for child in node.children:
        yield from native_commands(child)


def variables(node: Node) -> set[str]:
    found = {node.text.decode().lstrip("$@").lower()} if node.type == "variable" else set()
    for child in node.children:
        found |= variables(child)
    return found


def secret_variables(text: str) -> set[str]:
    """$ServicePassword and every variable given a value made from a secret one."""
    secret = {"servicepassword"}
    assignments = [(name.lower(), value.lower()) for name, value in re.findall(r"\$(\w+)\s*\+?=([^\n]*)", text)]
    while True:
        more = {name for name, value in assignments if any(f"${s}" in value for s in secret)} - secret
        if not more:
            return secret
        secret |= more


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_secret_goes_on_a_process_command_line(script: Path):
    text = script.read_text(encoding="utf-8")
    secret = secret_variables(text)
    tree = PARSER.parse(text.encode("utf-8"))
    for command in native_commands(tree.root_node):
        assert not variables(command) & secret, f"{script.name}: {command.text.decode()[:120]}"


def test_the_secret_check_finds_a_password_passed_to_a_program():
    """As the install script once did: pywin32's --password, through a splatted array."""
    text = ("$plain = [System.Net.NetworkCredential]::new('', $ServicePassword).Password\n"
            "$arguments = @('-m', 'node_agent.windows_service')\n"
            "$arguments += @('--username', $ServiceAccount, '--password', $plain)\n"
            "& $VenvPython @arguments install\n")
    commands = list(native_commands(PARSER.parse(text.encode()).root_node))
    assert secret_variables(text) == {"servicepassword", "plain", "arguments"}
    assert [variables(c) & secret_variables(text) for c in commands] == [{"arguments"}]


def test_the_install_script_names_groups_by_sid_and_sets_the_account_through_wmi():
    """Group names are localised (Administratoren, Administrateurs): icacls gets well-known SIDs."""
    text = (SCRIPTS[0].parent / "Install-AbaqueueAgent.ps1").read_text(encoding="utf-8")
    assert "'*S-1-5-32-544:(OI)(CI)F'" in text and "'*S-1-5-18:(OI)(CI)F'" in text
    assert "Administrators:" not in text and "'SYSTEM:" not in text
    assert "Invoke-CimMethod" in text and "-MethodName Change" in text and "StartPassword = $plain" in text
