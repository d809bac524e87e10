"""The text of NAME.sta, NAME.msg and NAME.dat, in the layouts of shared/design/abaqus.md.

Pure formatting: the runner decides what happens and when; these functions only say how Abaqus
would print it.
"""

from __future__ import annotations

import time

from ..sta import FAILURE_LINE, SUCCESS_LINE
from .log_text import VERSION
from .plan import Row

SUCCESS = f" {SUCCESS_LINE}\n"
NOT_COMPLETED = f" {FAILURE_LINE}\n"
DAT_COMPLETED = "\n          THE ANALYSIS HAS BEEN COMPLETED\n"
TOO_MANY_ATTEMPTS = " ***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT\n"
TERMINATED = " THE ANALYSIS HAS BEEN TERMINATED DUE TO PREVIOUS ERRORS\n"
DISTORTION = " ***ERROR: EXCESSIVE DISTORTION OF ELEMENTS: SEE ELEMENT SET ErrElemExcessDistortion\n"
MODEL_ERRORS = {
    "attempts": TOO_MANY_ATTEMPTS,
    "min_increment": " ***ERROR: Time increment required is less than the minimum specified\n",
    "too_many_increments": " ***ERROR: Too many increments needed to complete the step\n",
}
PRE_ERROR = (" ***ERROR: in keyword *MATERIAL, file \"beam.inp\", line 12: The keyword is misspelled or is not\n"
             "           a valid keyword\n")
CRITICAL_ELEMENT = 619
EXPLICIT_SUBSTEPS = 100  # explicit increments printed per simulated increment


def _date() -> str:
    return time.strftime("DATE %d-%b-%Y TIME %H:%M:%S")


def _g(value: float, digits: int = 3) -> str:
    return f"{value:#.{digits}g}"


# .sta, Abaqus/Standard

def standard_sta_header() -> str:
    return (
        f"Abaqus/Standard {VERSION}                      {_date()}\n"
        " SUMMARY OF JOB INFORMATION:\n"
        " STEP  INC ATT SEVERE EQUIL TOTAL  TOTAL      STEP       INC OF       DOF    IF\n"
        "               DISCON ITERS ITERS  TIME/    TIME/LPF    TIME/LPF    MONITOR RIKS\n"
        "               ITERS               FREQ\n"
    )


def standard_sta_row(row: Row) -> str:
    severe = 4 if row.cut_back else 0
    equil = 0 if row.cut_back else 2 + row.increment % 3
    return (
        f"{row.step:4d}{row.increment:6d}{row.attempt:4d}{'U' if row.cut_back else ' '}{severe:5d}"
        f"{equil:6d}{severe + equil:6d}  {_g(row.total_time):<11}{_g(row.step_time):<11}"
        f"{_g(row.time_increment, 4)}\n"
    )


# .sta, Abaqus/Explicit

def explicit_sta_header() -> str:
    return f" Abaqus/Explicit {VERSION}                 {_date()}\n \n"


def explicit_step_header(step: int, origin: float, frames: int, clock: str = "wall", mass: bool = False) -> str:
    """`clock` "wall" prints WALL time as hh:mm:ss; "cpu" (older versions) CPU seconds. `mass`:
    mass scaling adds a PERCENT CHNG MASS column."""
    column = "WALL" if clock == "wall" else " CPU"
    return (
        f" STEP {step}  ORIGIN {origin:.4f}\n"
        f"  Total memory used for step {step} is approximately 7.1 megabytes.\n"
        f"              STEP     TOTAL      {column}      STABLE    CRITICAL    KINETIC      TOTAL"
        + ("    PERCENT\n" if mass else "\n")
        + "INCREMENT     TIME      TIME      TIME   INCREMENT     ELEMENT     ENERGY     ENERGY"
        + ("  CHNG MASS\n" if mass else "\n")
        + _explicit_line(0, 0.0, origin, 0.0, 1.0e-6, clock, mass)
        + f"ODB Field Frame Number      0 of {frames:6d} requested intervals at increment zero.\n"
    )


def explicit_sta_row(row: Row, seconds: float, frame: int, frames: int, clock: str = "wall",
                     mass: bool = False) -> str:
    return _explicit_line(row.increment * EXPLICIT_SUBSTEPS, row.step_time, row.total_time, seconds,
                          row.time_increment / EXPLICIT_SUBSTEPS, clock, mass) + (
        f"ODB Field Frame Number {frame:6d} of {frames:6d} requested intervals at  {row.step_time:.6E}\n")


def _explicit_line(increment: int, step_time: float, total_time: float, seconds: float, stable: float,
                   clock: str = "wall", mass: bool = False) -> str:
    if clock == "wall":
        whole = int(seconds)
        shown = f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    else:
        shown = f"{seconds:.3E}"
    kinetic = 0.05 * step_time
    return (f"{increment:9d}  {step_time:.3E} {total_time:.3E}  {shown} {stable:.3E} {CRITICAL_ELEMENT:11d}"
            f" {kinetic:10.3E} {-kinetic / 20 or 0.0:10.3E}" + (f" {0.8 * step_time:10.3E}\n" if mass else "\n"))


# .msg

def msg_step_start(step: int, procedure: str) -> str:
    title = "   ".join(" ".join(word.upper()) for word in f"{procedure} analysis".split())
    return f"\n\n                        S T E P {step:6d}     {title}\n\n"


def msg_row(row: Row) -> str:
    text = (f"\n INCREMENT {row.increment:5d} STARTS. ATTEMPT NUMBER {row.attempt:2d}, "
            f"TIME INCREMENT  {_g(row.time_increment):<9}\n")
    if row.cut_back:
        return text + " ***NOTE: THE SOLUTION APPEARS TO BE DIVERGING. CONVERGENCE IS JUDGED UNLIKELY.\n"
    iterations = 2 + row.increment % 3
    return text + (
        f"\n   ITERATION SUMMARY FOR THE INCREMENT: {iterations:2d} TOTAL ITERATIONS, OF WHICH\n"
        f"   0 ARE SEVERE DISCONTINUITY ITERATIONS AND {iterations:2d} ARE EQUILIBRIUM ITERATIONS.\n\n"
        f"   TIME INCREMENT COMPLETED  {_g(row.time_increment):<9},  "
        f"FRACTION OF STEP COMPLETED  {_g(row.fraction):<9}\n"
        f"   STEP TIME COMPLETED       {_g(row.step_time):<9},  "
        f"TOTAL TIME COMPLETED        {_g(row.total_time):<9}\n"
    )


# .dat

def dat_header(job: str, input_file: str, step_count: int) -> str:
    return (
        f"\n                            Abaqus {VERSION}                                  {_date()}\n\n"
        "   Written by abaqus-sim, the Abaqueue stand-in for the Abaqus launcher.\n\n"
        f"   Input file {input_file} for job {job}\n\n"
        "     OPTIONS BEING PROCESSED\n   ***************************\n\n"
        f"   {step_count} step(s) defined\n\n"
        "                              END OF USER INPUT PROCESSING\n\n"
    )


def dat_step(step: int, procedure: str) -> str:
    return msg_step_start(step, procedure)


def dat_summary(wall_seconds: float) -> str:
    return (
        "\n     JOB TIME SUMMARY\n"
        f"       USER TIME (SEC)      =  {wall_seconds:.4f}\n"
        "       SYSTEM TIME (SEC)    =  0.0000\n"
        f"       WALLCLOCK TIME (SEC) =  {round(wall_seconds):10d}\n"
    )
