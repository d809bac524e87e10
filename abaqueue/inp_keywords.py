"""Abaqus keyword lines, and the files an input file names: shared by the agent (which follows
`*Include` to find the steps) and the client (which uploads what a model names). Pure, no I/O
beyond reading the input files themselves.

Keywords and parameter names are case-insensitive; parameter values may be double-quoted; `**`
starts a comment line. `*Include, input=FILE` reads keyword lines from FILE; on any other keyword
`input=FILE` reads that keyword's data lines from FILE (`*Node, input=nodes.inp`). A relative
name is relative to the directory of the file that names it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath


@dataclass(frozen=True)
class Keyword:
    name: str  # lower case, single spaces: "dynamic"
    params: dict[str, str]  # lower-case names; value "" for a bare parameter
    data: str  # the first data line (continuations joined), "" when there is none


def keyword(text: str, data: str) -> Keyword:
    """The keyword line `text` (without its leading `*`) and its first data line."""
    parts = split_params(text)
    name = " ".join(parts[0].lower().split()) if parts else ""
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, _, value = part.partition("=")
        key = " ".join(key.lower().split())
        if key:
            params[key] = value.strip().strip('"').strip()
    return Keyword(name, params, data)


def split_params(text: str) -> list[str]:
    """Split a keyword line on commas that are not inside double quotes."""
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def include_target(line: str) -> str | None:
    """The file a `*Include, input=FILE` line names, in this system's separators; else None."""
    parsed = keyword(line.strip()[1:], "")
    if parsed.name != "include":
        return None
    target = parsed.params.get("input", "")
    if os.sep == "/":
        target = target.replace("\\", "/")  # an input file written on Windows
    return target or None


@dataclass(frozen=True)
class Reference:
    """A file an input file names: as written, where (file and line), and by which keyword."""

    target: str
    source: Path
    line: int
    keyword: str
    base: Path  # the folder the name is relative to

    @property
    def relative(self) -> PureWindowsPath | None:
        """The name as a relative path (either separator), None when it is absolute or a drive path."""
        path = PureWindowsPath(self.target)
        return None if path.is_absolute() or path.drive or self.target.startswith(("/", "\\")) else path


MAX_DEPTH = 20
# A keyword line that may name a file: `*` (not `**`) first on it, `input` anywhere in it.
_NAMING = re.compile(r"^[^\S\n]*\*(?!\*)[^\n]*?input[^\n]*", re.IGNORECASE | re.MULTILINE)
BLOCK_CHARS = 1 << 20


def naming_lines(handle) -> Iterator[tuple[int, str]]:
    """(line number, line) of each line of the open text file that `_NAMING` matches: one regex
    over blocks of whole lines, not Python over every line (a mesh runs to millions of them)."""
    number, carry = 1, ""
    while True:
        block = handle.read(BLOCK_CHARS)
        text, carry = carry + block, ""
        if block:
            cut = text.rfind("\n") + 1  # the last line may go on in the next block
            text, carry = text[:cut], text[cut:]
        at = 0
        for found in _NAMING.finditer(text):
            number += text.count("\n", at, found.start())
            at = found.start()
            yield number, found.group(0)
        number += text.count("\n", at)
        if not block:
            return


def references(model: Path, folder: Path | None = None) -> Iterator[Reference]:
    """Every `input=` file named by `model` and, recursively, by the files it includes, each
    included file read once; an include that cannot be read yields its reference and no more.
    `folder`: where the model's own names are relative to, when not its own folder (a model made
    from a template elsewhere). A reference's `base` is the folder its name is relative to."""
    seen: set[Path] = set()

    def walk(path: Path, depth: int, base: Path) -> Iterator[Reference]:
        seen.add(path.resolve())
        try:
            handle = open(path, encoding="utf-8", errors="replace")
        except OSError:
            return
        with handle:
            for number, raw in naming_lines(handle):
                line = raw.strip()
                parsed = keyword(line[1:], "")
                target = parsed.params.get("input", "")
                if not target:
                    continue
                ref = Reference(target, path, number, parsed.name, base)
                yield ref
                if parsed.name == "include" and ref.relative is not None and depth < MAX_DEPTH:
                    included = base.joinpath(*ref.relative.parts)
                    if included.resolve() not in seen:
                        yield from walk(included, depth + 1, included.parent)

    yield from walk(model, 0, folder or model.parent)
