"""The launcher's log (its stdout in interactive mode), line for line as Abaqus prints it.

The host, version and token formula are those of shared/design/abaqus.md; the dates follow the
Linux launcher's format.
"""

from __future__ import annotations

import math
import time

VERSION = "2024"
LICENSE_SERVER = "lic01.example.com"
LICENSES_ISSUED = 1024


def tokens(cpus: int) -> int:
    """Analysis tokens for `cpus` cores: floor(5 * cpus ** 0.422)."""
    return math.floor(5 * cpus**0.422)


def now() -> str:
    return time.strftime("%a %d %b %Y %I:%M:%S %p")


def header(job: str) -> list[str]:
    return [f"Abaqus JOB {job}", f"Abaqus Version {VERSION}"]


def queued(solver: str) -> list[str]:
    return [f'"{solver}" license request queued for the License Server on {LICENSE_SERVER}.']


def queue_time(seconds: float) -> list[str]:
    return [f"Total time in queue: {round(seconds)} seconds."]


def checked_out(program: str, count: int) -> list[str]:
    return [
        "Abaqus License Manager checked out the following licenses:",
        f"{program} checked out {count} tokens from Flexnet server {LICENSE_SERVER}.",
        f"<{LICENSES_ISSUED - count} out of {LICENSES_ISSUED} licenses remain available>.",
    ]


def license_failure(after_queue: bool) -> list[str]:
    lines = ["Time limit of in queue has been exceeded. Exiting."] if after_queue else []
    return [*lines, "Abaqus Error: Error checking out Abaqus license.", "Abaqus/Analysis exited with errors"]


def begin(phase: str, executable: str) -> list[str]:
    return [f"Begin {phase}", now(), f"Run {executable}"]


def end(phase: str) -> list[str]:
    return [now(), f"End {phase}"]


def completed(job: str) -> list[str]:
    return [f"Abaqus JOB {job} COMPLETED"]


def solver_error(program: str) -> list[str]:
    return [
        f"Abaqus Error: {program} Analysis exited with an error - Please see the  message file for "
        "possible error messages if the file exists.",
        "Abaqus/Analysis exited with errors",
    ]


def system_error(executable: str) -> list[str]:
    return [
        f"Abaqus Error: The executable {executable} aborted with system error code 1073741819.",
        "Please check the .dat, .msg, and .sta files for error messages if the files exist.",
        "Abaqus/Analysis exited with errors",
    ]


def terminated() -> list[str]:
    return ["Abaqus/Analysis exited with errors"]


def preprocessor_error(job: str) -> list[str]:
    return [f"Abaqus Error: Analysis Input File Processor exited with an error - Please see the  {job}.dat file "
            "for possible error messages if the file exists.", "Abaqus/Analysis exited with errors"]


def build_error(kind: str, source: str) -> list[str]:
    """A user subroutine that does not compile (`compile`) or link (`link`)."""
    if kind == "compile":
        return [f"{source}(12): error #5082: Syntax error, found END-OF-STATEMENT",
                f"Problem during compilation - {source}", "Abaqus/Analysis exited with errors"]
    return ["standardU.dll : fatal error LNK1120: 1 unresolved externals",
            "Problem during linking - Abaqus/Standard User Subroutines.",
            "Abaqus/Analysis exited with errors"]
