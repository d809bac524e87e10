"""CI runs only `make test`, so the lint gates live here: buf STANDARD on the API, ruff on the code.
Both binaries come from pip (buf-bin, ruff), so a fresh clone needs nothing else."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_api_is_buf_standard_lint_clean():
    result = run(str(BIN / "buf"), "lint", "proto")
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_lint_rejects_an_enum_without_an_unspecified_zero(tmp_path):
    shutil.copytree(ROOT / "proto", tmp_path / "proto")
    job = tmp_path / "proto" / "abaqueue" / "v1" / "job.proto"
    job.write_text(job.read_text() + "\nenum Colour {\n  RED = 0;\n}\n")
    result = run(str(BIN / "buf"), "lint", "proto", cwd=tmp_path)
    assert result.returncode != 0
    assert "should be suffixed with \"_UNSPECIFIED\"" in result.stdout


def test_code_is_ruff_clean():
    result = run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr
