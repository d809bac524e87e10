"""abaqueue.inp_keywords.naming_lines finds, over blocks, exactly the keyword lines a loop over
every line finds (those that may name a file), with their line numbers, wherever blocks end."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from abaqueue import inp_keywords


def line_by_line(text: str) -> list[tuple[int, str]]:
    found = []
    for number, raw in enumerate(io.StringIO(text), 1):
        line = raw.strip()
        if line.startswith("*") and not line.startswith("**") and "input" in line.lower():
            found.append((number, line))
    return found


lines = st.lists(st.text(alphabet=" \t*,=xINPUTinput.", max_size=30), max_size=40)


@settings(max_examples=300, deadline=None)
@given(lines, st.integers(min_value=1, max_value=64), st.booleans())
def test_same_lines_as_a_loop_over_every_line(parts, block, trailing_newline):
    text = "\n".join(parts) + ("\n" if trailing_newline else "")
    inp_keywords.BLOCK_CHARS, before = block, inp_keywords.BLOCK_CHARS
    try:
        got = [(n, line.strip()) for n, line in inp_keywords.naming_lines(io.StringIO(text))]
    finally:
        inp_keywords.BLOCK_CHARS = before
    assert got == line_by_line(text)


def test_a_mesh_in_windows_line_endings(tmp_path):
    path = tmp_path / "m.inp"
    path.write_bytes(b"*Heading\r\n** *Include, input=no.inp\r\n1, 0.0, 0.0\r\n  *INCLUDE, INPUT=mesh.inp\r\n")
    with open(path, encoding="utf-8", errors="replace") as handle:
        assert list(inp_keywords.naming_lines(handle)) == [(4, "  *INCLUDE, INPUT=mesh.inp")]
