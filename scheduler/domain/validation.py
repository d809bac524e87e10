"""Checks on what callers send. Each failure names the field, as the caller wrote it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace

from abaqueue import checksums, file_names
from abaqueue.protocol import MAX_INLINE_BYTES
from abaqueue.s3_limits import MAX_PART_BYTES, MAX_PARTS, MIN_PART_BYTES

from .errors import InvalidArgument
from .job import FileSpec, PartSpec, SolverOptions

JOB_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# User, team and node names: what directory services and host names allow, nothing cmd.exe parses.
PRINCIPAL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
MAX_FILE_NAME = 128
MAX_FILES = 1000
# What the names in one file list (a job's inputs, or its results) may take together (UTF-8): a job
# is one store item, and DynamoDB's hold 400 KB (compressed) with both lists at their limit.
MAX_NAME_BYTES = 128 * 1024
MAX_CPUS = 1024
MAX_REQUEST_ID = 128
MAX_FILE_BYTES = 5 * 1024**4
LABEL_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}")
MAX_LABELS = 32
MAX_LABEL_VALUE = 128


def job_name(value: str, field: str = "name") -> str:
    if not JOB_NAME.fullmatch(value):
        raise InvalidArgument(field, f"{value[:80]!r} must be 1 to 64 of the characters A-Z a-z 0-9 _ -")
    return value


def principal_name(value: str, field: str) -> str:
    if not PRINCIPAL_NAME.fullmatch(value):
        raise InvalidArgument(field, f"{value[:80]!r} must be 1 to 64 of the characters A-Z a-z 0-9 _ . @ -, "
                              "starting with a letter or digit")
    return value


def file_name(value: str, field: str) -> str:
    if not value or len(value) > MAX_FILE_NAME:
        raise InvalidArgument(field, f"a file name must have 1 to {MAX_FILE_NAME} characters")
    why = file_names.problem(value)
    if why:
        raise InvalidArgument(field, why)
    return value


def cpus(value: int, field: str = "cpus") -> int:
    if not 1 <= value <= MAX_CPUS:
        raise InvalidArgument(field, f"{value} is out of range 1..{MAX_CPUS}")
    return value


def cpus_on_nodes(value: int, largest_node: int | None, field: str = "cpus") -> int:
    """`cpus` within 1..MAX_CPUS, and no more than the largest node registered offers."""
    cpus(value, field)
    if largest_node is not None and value > largest_node:
        raise InvalidArgument(field, f"{value} is more than the largest node offers ({largest_node})")
    return value


def labels(values: dict[str, str], field: str = "labels") -> dict[str, str]:
    if len(values) > MAX_LABELS:
        raise InvalidArgument(field, f"at most {MAX_LABELS} labels")
    for key, value in values.items():
        if not LABEL_KEY.fullmatch(key):
            raise InvalidArgument(f"{field}[{key[:40]!r}]", "a label key is 1 to 63 of a-z 0-9 _ . -, "
                                  "starting with a letter or digit")
        if len(value) > MAX_LABEL_VALUE or not value.isprintable():
            raise InvalidArgument(f"{field}[{key!r}]", f"a label value is at most {MAX_LABEL_VALUE} "
                                  "printable characters")
    return values


VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MAX_LICENSE_TOKENS = 100_000


def abaqus_version(value: str, field: str = "abaqus_version") -> str:
    if value and not VERSION.fullmatch(value):
        raise InvalidArgument(field, f"{value[:40]!r} is not a version (like 2024 or 2024.HF3)")
    return value


def license_tokens(value: int, total: int, field: str = "license_tokens") -> int:
    """0 (the rule decides) or a count the cluster could ever grant (`total`: 0 when not counted)."""
    if not 0 <= value <= MAX_LICENSE_TOKENS:
        raise InvalidArgument(field, f"{value} is out of range 0..{MAX_LICENSE_TOKENS}")
    if total and value > total:
        raise InvalidArgument(field, f"{value} is more than the cluster's {total} license tokens")
    return value


MAX_ATTEMPTS = 10


def max_attempts(value: int, field: str = "max_attempts") -> int:
    """0 (the cluster's rule) or the attempts one job may use, 1..MAX_ATTEMPTS."""
    if not 0 <= value <= MAX_ATTEMPTS:
        raise InvalidArgument(field, f"{value} is out of range 0..{MAX_ATTEMPTS} (0: the cluster's rule)")
    return value


def request_id(value: str, field: str = "request_id") -> str:
    if len(value) > MAX_REQUEST_ID or not value.isprintable():
        raise InvalidArgument(field, f"must be at most {MAX_REQUEST_ID} printable characters")
    return value


def file_specs(specs: Sequence[FileSpec], field: str, *, need_sha: bool = True,
               inputs: bool = False) -> tuple[FileSpec, ...]:
    if len(specs) > MAX_FILES:
        raise InvalidArgument(field, f"at most {MAX_FILES} files")
    name_bytes = sum(len(spec.name.encode("utf-8", "replace")) for spec in specs)
    if name_bytes > MAX_NAME_BYTES:
        raise InvalidArgument(field, f"the file names take {name_bytes:,} bytes together; at most {MAX_NAME_BYTES:,}")
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        where = f"{field}[{i}]"
        file_name(spec.name, f"{where}.name")
        if spec.name.lower() in seen:  # Windows file names ignore case
            raise InvalidArgument(f"{where}.name", f"{spec.name!r} is given twice")
        seen.add(spec.name.lower())
        if not 0 <= spec.size_bytes <= MAX_FILE_BYTES:
            raise InvalidArgument(f"{where}.size_bytes", f"{spec.size_bytes} is out of range")
        if (need_sha or spec.sha256) and not SHA256_HEX.fullmatch(spec.sha256):
            raise InvalidArgument(f"{where}.sha256", "must be 64 lower-case hex digits")
        if spec.unpack and not inputs:
            raise InvalidArgument(f"{where}.unpack", "only input files are unpacked")
        if spec.inline and not inputs:
            raise InvalidArgument(f"{where}.content", "only input files are sent inline")
        if spec.unpack and not spec.name.lower().endswith(".zip"):
            raise InvalidArgument(f"{where}.unpack", f"{spec.name[:80]!r}: only .zip archives are unpacked")
    return tuple(specs)


def inline_inputs(specs: Sequence[FileSpec], contents: Sequence[bytes | None],
                  field: str = "input_files") -> tuple[tuple[FileSpec, ...], dict[str, bytes]]:
    """The specs, each one sent with its content (`contents[i]` not None) marked inline with the size
    and SHA-256 of that content (checked against those given), and the content by file name."""
    specs_out, inline, total = [], {}, 0
    for i, spec in enumerate(specs):
        content = contents[i] if i < len(contents) else None
        if content is None:
            specs_out.append(spec)
            continue
        where = f"{field}[{i}]"
        total += len(content)
        if total > MAX_INLINE_BYTES:
            raise InvalidArgument(f"{where}.content", f"the inline inputs take {total:,} bytes up to this one; at "
                                  f"most {MAX_INLINE_BYTES:,} per job: upload the larger files instead")
        if spec.size_bytes and spec.size_bytes != len(content):
            raise InvalidArgument(f"{where}.size_bytes", f"{spec.size_bytes} is not the size of its content "
                                  f"({len(content)} bytes)")
        digest = hashlib.sha256(content).hexdigest()
        if spec.sha256 and spec.sha256 != digest:
            raise InvalidArgument(f"{where}.sha256", "is not the SHA-256 of its content")
        specs_out.append(replace(spec, size_bytes=len(content), sha256=digest, inline=True))
        inline[spec.name] = content
    return tuple(specs_out), inline


def input_file(value: str, specs: Sequence[FileSpec], field: str = "input_file") -> str:
    if not value.lower().endswith(".inp"):
        raise InvalidArgument(field, f"{value[:80]!r} must be an .inp file")
    _solver_argument(value, field)
    if value in {s.name for s in specs if not s.unpack}:
        return value
    if not any(s.unpack for s in specs):
        raise InvalidArgument(field, f"{value[:80]!r} is not among input_files, and no archive is unpacked")
    file_name(value, field)  # from an archive: it must land at the top of the job directory
    return value


MEMORY = re.compile(r"[1-9][0-9]{0,6}(mb|gb)")
DOUBLE_PRECISION = ("explicit", "both", "off", "constraint")
SUBROUTINE_SUFFIXES = (".f", ".for", ".f90", ".c", ".cc", ".cpp", ".o", ".obj")
RESULT_PATTERN = re.compile(r"[A-Za-z0-9_.*?\[\]-]{1,64}")
MAX_RESULT_PATTERNS = 32
MAX_TIMEOUT_S = 365 * 86400


def solver_options(o: SolverOptions, name: str, specs: Sequence[FileSpec], field: str = "solver") -> SolverOptions:
    """The options as Abaqus will get them (memory in lower case); every value fit for a .bat
    command line."""
    memory = o.memory.strip().lower().replace(" ", "")
    if memory and not MEMORY.fullmatch(memory):
        raise InvalidArgument(f"{field}.memory", f"{o.memory[:40]!r} is not a size such as 16gb or 4000mb")
    if o.double_precision and o.double_precision not in DOUBLE_PRECISION:
        raise InvalidArgument(f"{field}.double_precision",
                              f"{o.double_precision[:40]!r} is not one of {', '.join(DOUBLE_PRECISION)}")
    if o.user_subroutine:
        if o.user_subroutine not in {s.name for s in specs if not s.unpack}:
            raise InvalidArgument(f"{field}.user_subroutine", f"{o.user_subroutine[:80]!r} is not among input_files")
        _solver_argument(o.user_subroutine, f"{field}.user_subroutine")
        if not o.user_subroutine.lower().endswith(SUBROUTINE_SUFFIXES):
            raise InvalidArgument(f"{field}.user_subroutine",
                                  f"{o.user_subroutine[:80]!r} must end in one of {' '.join(SUBROUTINE_SUFFIXES)}")
    if o.oldjob:
        job_name(o.oldjob, f"{field}.oldjob")
        if o.oldjob.lower() == name.lower():
            raise InvalidArgument(f"{field}.oldjob", "must differ from the job's own name (Abaqus requires it)")
    if not 0 <= o.timeout_s <= MAX_TIMEOUT_S:  # NaN fails this too
        raise InvalidArgument(f"{field}.timeout", f"{o.timeout_s} s is out of range 0..{MAX_TIMEOUT_S}")
    if len(o.result_patterns) > MAX_RESULT_PATTERNS:
        raise InvalidArgument(f"{field}.result_patterns", f"at most {MAX_RESULT_PATTERNS}")
    for i, pattern in enumerate(o.result_patterns):
        if not RESULT_PATTERN.fullmatch(pattern):
            raise InvalidArgument(f"{field}.result_patterns[{i}]",
                                  f"{pattern[:80]!r}: a file name glob of letters, digits and _ . - * ? [ ]")
    return SolverOptions(memory, o.double_precision, o.user_subroutine, o.oldjob, o.timeout_s,
                         tuple(o.result_patterns), o.restart_files)




def upload_id(value: str, field: str = "upload_id") -> str:
    if not value or len(value) > 1024 or not value.isprintable():
        raise InvalidArgument(field, "is required: the id the upload's start gave")
    return value


def upload_parts(parts: Sequence[PartSpec], field: str = "parts", *, whole: bool = False) -> tuple[PartSpec, ...]:
    """Parts to sign (`whole`: every part of the file, in order, to join)."""
    if not parts:
        raise InvalidArgument(field, "at least one part")
    if len(parts) > MAX_PARTS:
        raise InvalidArgument(field, f"at most {MAX_PARTS} parts")
    for i, part in enumerate(parts):
        where = f"{field}[{i}]"
        if not 1 <= part.number <= MAX_PARTS:
            raise InvalidArgument(f"{where}.part_number", f"{part.number} is out of range 1..{MAX_PARTS}")
        if whole and part.number != i + 1:
            raise InvalidArgument(f"{where}.part_number", f"{part.number}: parts must be numbered 1, 2, 3 ... in order")
        if not 0 <= part.size_bytes <= MAX_PART_BYTES:
            raise InvalidArgument(f"{where}.size_bytes", f"{part.size_bytes} is out of range 0..{MAX_PART_BYTES}")
        if whole and i + 1 < len(parts) and part.size_bytes < MIN_PART_BYTES:
            raise InvalidArgument(f"{where}.size_bytes", f"{part.size_bytes}: every part but the last needs at "
                                  f"least {MIN_PART_BYTES} bytes")
        if not checksums.is_crc32(part.crc32):
            raise InvalidArgument(f"{where}.crc32", "must be the base64 of the part's four CRC32 bytes")
        if whole and not (0 < len(part.etag) <= 200 and part.etag.isprintable()):
            raise InvalidArgument(f"{where}.etag", "is required: what the store answered for the part")
    return tuple(parts)


def _solver_argument(value: str, field: str) -> None:
    wrong = file_names.solver_argument_problem(value)
    if wrong:
        raise InvalidArgument(field, wrong)
