"""Reading the license server's report (FlexNet lmstat, as abaqus.md quotes it)."""

from __future__ import annotations

from node_agent.licensing import parse_usage

REPORT = """lmutil - Copyright (c) 1989-2023 Flexera. All Rights Reserved.
Feature usage info:

Users of abaqus:  (Total of 78 licenses issued;  Total of 53 licenses in use)

  "abaqus" v2024.0, vendor: ABAQUSLM
  ana win-07 /dev/tty (v2024.0) (lic01/27000 101), start Mon 11/23 9:02, 16 licenses
"""


def test_issued_and_in_use_are_read():
    assert parse_usage(REPORT) == (78, 53)
    assert parse_usage("Users of abaqus:  (Total of 1 license issued;  Total of 0 licenses in use)") == (1, 0)


def test_a_report_without_the_abaqus_line_says_nothing():
    assert parse_usage("lmgrd is not running: License server machine is down or not responding.") is None
    assert parse_usage("Users of cae:  (Total of 10 licenses issued;  Total of 2 licenses in use)") is None
