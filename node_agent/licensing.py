"""What the license server says: tokens issued and in use, from `abaqus licensing lmstat -a`
(FlexNet), run now and then by an agent that has the license tools."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence

log = logging.getLogger(__name__)

FLEXNET = re.compile(r"Users of abaqus:\s*\(Total of (\d+) licenses? issued;\s*Total of (\d+) licenses? in use\)",
                     re.IGNORECASE)


def parse_usage(text: str) -> tuple[int, int] | None:
    """(issued, in use) from lmstat's report; None when the report has no `Users of abaqus` line."""
    match = FLEXNET.search(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


async def observe(command: Sequence[str], timeout_s: float = 60.0) -> tuple[int, int] | None:
    """Run `command` and read its report; None (and a warning in the log) when that fails."""
    try:
        process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT,
                                                       stdin=asyncio.subprocess.DEVNULL)
    except OSError as e:
        log.warning("cannot run the license command %s: %s", command[0], e)
        return None
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout_s)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        log.warning("the license command took more than %.0f s; killed", timeout_s)
        return None
    usage = parse_usage(output.decode("utf-8", "replace"))
    if usage is None:
        log.warning("the license command's output has no 'Users of abaqus' line (exit code %s)", process.returncode)
    return usage
