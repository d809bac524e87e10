"""Sample models for the integration tests, made from the example with other simulator settings."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "beam"


def beam(dest: Path, name: str = "beam", **sim: object) -> tuple[Path, list[Path]]:
    """The example beam as `name`.inp (plus its include) in `dest`, with `** abaqus-sim:` options."""
    dest.mkdir(parents=True, exist_ok=True)
    options = " ".join(f"{k}={v}" for k, v in sim.items())
    text = re.sub(r"^\*\* abaqus-sim:.*$", f"** abaqus-sim: {options}", (EXAMPLE / "beam.inp").read_text(),
                  flags=re.M)
    model = dest / f"{name}.inp"
    model.write_text(text)
    include = dest / "beam_material.inp"
    shutil.copy(EXAMPLE / "beam_material.inp", include)
    return model, [include]
