"""Which files a job takes: the model, what it names with `input=` (found and added unless told
otherwise), the files and archives given, and which of them is the user subroutine."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from abaqueue.inp_keywords import references

from .errors import AbaqueueError, InvalidArgument

SUBROUTINE_SUFFIXES = (".f", ".for", ".f90", ".c", ".cpp", ".o", ".obj")


@dataclass(frozen=True)
class Inputs:
    model: str  # the main .inp's name in the job directory
    paths: dict[str, Path]  # every file to upload, by its name in the job directory
    archives: frozenset[str]  # those the node unpacks
    user_subroutine: str  # the one subroutine among the files, "" when there is none


def gather(model: Path, files: Sequence[Path], archives: Sequence[Path], *, find_includes: bool,
           pack_dir: Path, folder: Path | None = None) -> Inputs:
    """The inputs of a job for `model`. Files the model names in its folder (or `folder`, for a
    model made from a template there) are added; those in folders below it go in one zip (written
    into `pack_dir`) that the node unpacks in place."""
    model, files, archives = Path(model), [Path(f) for f in files], [Path(a) for a in archives]
    entries = _entries(archives)
    in_archive = bool(archives) and not model.is_file()
    if in_archive and model.name not in entries:
        raise AbaqueueError(f"{model} is neither a local file nor at the top of "
                            f"{', '.join(map(str, archives))}")
    sent = [*([] if in_archive else [model]), *files]
    if find_includes and not in_archive:
        given = {p.name.lower() for p in sent}
        flat, nested = _named_files(model, given, entries, folder or model.parent)
        sent += flat
        if nested:
            archives = [*archives, _pack(model, nested, pack_dir)]
    sent += archives
    paths = {p.name: p for p in sent}
    if len({n.lower() for n in paths}) != len(sent):
        twice = sorted({p.name for p in sent if sum(q.name.lower() == p.name.lower() for q in sent) > 1})
        raise InvalidArgument(f"input files: {', '.join(twice)}: the same name twice; Abaqus needs them side by side")
    subroutines = [n for n in paths if n.lower().endswith(SUBROUTINE_SUFFIXES)]
    if len(subroutines) > 1:
        raise InvalidArgument(f"files: {', '.join(subroutines)} are all user subroutines; Abaqus takes one "
                              "(user=): name it with the solver's user_subroutine")
    return Inputs(model.name, paths, frozenset(a.name for a in archives), subroutines[0] if subroutines else "")


def _named_files(model: Path, given: set[str], in_archives: set[str],
                 folder: Path) -> tuple[list[Path], dict[str, Path]]:
    """The files `model` names that were not given: those in `folder`, and those in folders below
    it (by their path from it)."""
    flat: dict[str, Path] = {}
    nested: dict[str, Path] = {}
    top = folder.resolve()
    for ref in references(model, folder):
        where = f"{ref.source.name} line {ref.line}: *{ref.keyword}, input={ref.target}"
        relative = ref.relative
        if relative is None:
            raise InvalidArgument(f"{where}: an absolute path does not exist on the node; name the file "
                                  "relative to the model (or pass find_includes=False / --no-includes)")
        local = ref.base.resolve().joinpath(*relative.parts)
        inside = Path(os.path.relpath(local, top))
        if inside.parts[:1] == ("..",):
            raise InvalidArgument(f"{where}: the file is outside the model's folder; the node has only the job "
                                  "directory (move it beside the model, or send a zip with --archive)")
        name = inside.as_posix()
        if name.lower() in given or name in in_archives or name in flat or name in nested:
            continue
        if not local.is_file():
            raise InvalidArgument(f"{where}: no such file {local} (give it with --file, or --no-includes)")
        if len(inside.parts) == 1:
            flat[name] = local
        else:
            nested[name] = local
    return list(flat.values()), nested


def _pack(model: Path, nested: dict[str, Path], pack_dir: Path) -> Path:
    """One zip of the files in folders below the model, at their paths from its folder."""
    archive = pack_dir / f"{model.stem}-includes.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, path in sorted(nested.items()):
            zf.write(path, name)
    return archive


def _entries(archives: Sequence[Path]) -> set[str]:
    names: set[str] = set()
    for path in archives:
        try:
            with zipfile.ZipFile(path) as zf:
                names.update(zf.namelist())
        except (OSError, zipfile.BadZipFile) as e:
            raise AbaqueueError(f"{path}: not a readable zip archive ({e})") from e
    return names
