"""What a file name must be to live in a job directory on a Windows node and reach Abaqus:
the one rule shared by the scheduler's validation and the agent's archive unpacking."""

from __future__ import annotations

import re

# Characters Windows forbids in file names (path separators included), and those cmd.exe treats
# specially in a .bat argument.
FORBIDDEN = frozenset('<>:"/\\|?*&^%') | {chr(c) for c in range(32)}
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{p}{i}" for p in ("COM", "LPT") for i in (*"123456789", "\u00b9", "\u00b2", "\u00b3")})


def problem(name: str) -> str | None:
    """Why `name` cannot be one file name (one path part) on the node, or None if it can."""
    bad = sorted(set(name) & FORBIDDEN)
    if bad:
        return f"{name[:80]!r} contains forbidden characters {''.join(bad)!r}"
    if name in (".", "..") or name.endswith((".", " ")) or name.startswith(" "):
        return f"{name[:80]!r} may not start with a space or end with a dot or space"
    if name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        return f"{name[:80]!r} is a reserved device name on Windows"
    return None


# What a name on the abaqus.bat command line may hold (input=, user=): cmd.exe re-parses .bat
# arguments, so spaces, parentheses, commas and non-ASCII letters are refused as well.
SOLVER_ARGUMENT = re.compile(r"[A-Za-z0-9_.-]+")


def solver_argument_problem(name: str) -> str | None:
    """Why `name` cannot go on the solver's command line, or None if it can."""
    if SOLVER_ARGUMENT.fullmatch(name):
        return None
    return (f"{name[:80]!r} may hold only letters A-Z, digits and _ . - (it goes on the abaqus.bat command "
            "line, which cmd.exe parses)")
