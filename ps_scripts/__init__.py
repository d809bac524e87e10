"""The PowerShell scripts that install, update, remove and check agents on Windows nodes, shipped
in the wheel so `abaqueue nodes install` can copy them to a node."""

from pathlib import Path

DIR = Path(__file__).resolve().parent
