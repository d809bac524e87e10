"""PowerShell cannot run here, so every script in ps_scripts/ is checked by parsing it with
tree-sitter-powershell, and for the comment-based help users read with Get-Help."""

from __future__ import annotations

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
