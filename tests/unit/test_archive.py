"""Unpacking input archives: hostile zips never write outside the job directory."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from node_agent.archive import UnsafeArchive, safe_extract


def make_zip(path: Path, entries: dict[str, bytes], *, links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def test_a_model_with_includes_in_sub_folders_unpacks(tmp_path):
    archive = make_zip(tmp_path / "in.zip", {"beam.inp": b"*Heading\n", "mat/steel.inp": b"*Material\n",
                                             "./sub.for": b"      END\n", "mat/": b""})
    written = safe_extract(archive, tmp_path / "job", max_total_bytes=1000)
    assert sorted(p.relative_to(tmp_path / "job").as_posix() for p in written) == ["beam.inp", "mat/steel.inp",
                                                                                   "sub.for"]
    assert (tmp_path / "job" / "mat" / "steel.inp").read_bytes() == b"*Material\n"


@pytest.mark.parametrize("name", [
    "../evil.inp", "a/../../evil.inp", "/etc/evil.inp", "..\\evil.inp", "C:/evil.inp", "c:evil.inp",
    "CON", "nul.inp", "lpt1.txt", "trailing.", "trailing ", "a|b.inp", "new\nline.inp",
])
def test_hostile_names_are_refused_before_anything_is_written(tmp_path, name):
    archive = make_zip(tmp_path / "in.zip", {"good.inp": b"x", name: b"evil"})
    with pytest.raises(UnsafeArchive):
        safe_extract(archive, tmp_path / "job", max_total_bytes=1000)
    assert not (tmp_path / "job").exists() or not any((tmp_path / "job").rglob("*"))
    assert not (tmp_path / "evil.inp").exists()


def test_links_are_refused(tmp_path):
    archive = make_zip(tmp_path / "in.zip", {"good.inp": b"x"}, links={"link.inp": "/etc/passwd"})
    with pytest.raises(UnsafeArchive, match="links"):
        safe_extract(archive, tmp_path / "job", max_total_bytes=1000)


def test_names_differing_only_in_case_collide_as_on_windows(tmp_path):
    archive = make_zip(tmp_path / "in.zip", {"Beam.inp": b"a", "beam.INP": b"b"})
    with pytest.raises(UnsafeArchive, match="twice"):
        safe_extract(archive, tmp_path / "job", max_total_bytes=1000)


def test_a_zip_bomb_stops_at_the_real_decompressed_size_and_leaves_nothing(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", {"a.inp": b"\0" * 3_000_000, "b.inp": b"\0" * 3_000_000})
    assert archive.stat().st_size < 50_000  # compresses ~1000:1
    with pytest.raises(UnsafeArchive, match="more than 4000000 bytes"):
        safe_extract(archive, tmp_path / "job", max_total_bytes=4_000_000)
    assert not any(p.is_file() for p in (tmp_path / "job").rglob("*"))


def test_paths_past_abaqus_limit_are_refused(tmp_path):
    deep = "/".join(["d" * 50] * 5) + "/m.inp"
    archive = make_zip(tmp_path / "in.zip", {deep: b"x"})
    with pytest.raises(UnsafeArchive, match="256"):
        safe_extract(archive, tmp_path / "job", max_total_bytes=1000)


def test_too_many_entries(tmp_path):
    archive = make_zip(tmp_path / "in.zip", {f"f{i}.inp": b"" for i in range(11)})
    with pytest.raises(UnsafeArchive, match="entries"):
        safe_extract(archive, tmp_path / "job", max_total_bytes=1000, max_entries=10)


@pytest.mark.parametrize("entries", [
    {"A/x.inp": b"1", "a": b"2"},  # a file named like a folder, ignoring case
    {"a": b"2", "A/x.inp": b"1"},
    {"Inc/": b"", "inc": b"2"},
])
def test_a_file_and_a_folder_of_the_same_name_are_refused_before_writing(tmp_path, entries):
    archive = make_zip(tmp_path / "clash.zip", entries)
    with pytest.raises(UnsafeArchive, match="a file and a folder of the same name"):
        safe_extract(archive, tmp_path / "job", max_total_bytes=10**6)
    assert not (tmp_path / "job").exists()  # refused while planning: nothing made


def test_encrypted_and_unsupported_entries_are_the_archives_fault(tmp_path):
    archive = make_zip(tmp_path / "enc.zip", {"a.inp": b"*Heading\n"})
    data = bytearray(archive.read_bytes())
    data[6] |= 0x1  # the local header's "encrypted" flag
    central = data.rindex(b"PK\x01\x02")
    data[central + 8] |= 0x1  # and the central directory's
    archive.write_bytes(bytes(data))
    with pytest.raises(UnsafeArchive, match="encrypted"):
        safe_extract(archive, tmp_path / "job", max_total_bytes=10**6)


def test_a_damaged_entry_is_refused_and_leaves_no_file_or_folder(tmp_path):
    archive = make_zip(tmp_path / "bad.zip", {"ok.inp": b"fine", "sub/bad.inp": os.urandom(5000)})
    data = bytearray(archive.read_bytes())
    start = data.index(b"sub/bad.inp") + len(b"sub/bad.inp")
    data[start + 10:start + 40] = bytes(30)  # garble the compressed bytes of the second entry
    archive.write_bytes(bytes(data))
    with pytest.raises(UnsafeArchive, match="cannot be unpacked"):
        safe_extract(archive, tmp_path / "job", max_total_bytes=10**6)
    assert list((tmp_path / "job").iterdir()) == []
