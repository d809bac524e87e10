"""The new lines of the launcher's log (NAME.log) since the last read, for the job's log at the
scheduler. Only whole lines are taken; a line still being written waits for the next read."""

from __future__ import annotations

from pathlib import Path

MAX_LINES = 1000  # a report carries at most this many
MAX_BYTES = 256 * 1024


def new_lines(path: Path, offset: int) -> tuple[list[str], int]:
    """(lines after byte `offset`, the offset after them). A file shorter than `offset` was
    started again: it is read from its beginning."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            if size < offset:
                offset = 0
            f.seek(offset)
            data = f.read(MAX_BYTES)
    except OSError:
        return [], offset
    lines: list[str] = []
    taken = 0
    while len(lines) < MAX_LINES:
        end = data.find(b"\n", taken)
        if end < 0:
            break
        lines.append(data[taken:end].rstrip(b"\r").decode("utf-8", "replace"))
        taken = end + 1
    if not lines and len(data) == MAX_BYTES:  # one line longer than a whole read: take it in pieces
        lines, taken = [data.decode("utf-8", "replace")], len(data)
    return lines, offset + taken
