"""Where the scheduler is and which token to show it: from the arguments, the environment, or a
profile in ~/.config/abaqueue/config.toml.

    default = "plant"            # the profile used when none is named (else one named "default")

    [profiles.plant]
    address = "abaqueue.cae.example.com:50051"
    token_file = "~/.config/abaqueue/plant.token"
    ca_file = "~/.config/abaqueue/plant-ca.pem"

    [profiles.local]
    address = "127.0.0.1:50051"
    token_file = "/work/abaqueue/.abaqueue/admin.token"

Each setting is taken from the first that has it: the argument; the profile named by the argument
or $ABAQUEUE_PROFILE; the environment ($ABAQUEUE_ADDRESS, $ABAQUEUE_TOKEN, $ABAQUEUE_TOKEN_FILE,
$ABAQUEUE_CA_FILE); the default profile; else 127.0.0.1:50051, no token, plaintext. The file is
$ABAQUEUE_CONFIG when set, else $XDG_CONFIG_HOME/abaqueue/config.toml, else ~/.config/...
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from abaqueue import toml

from .errors import AbaqueueError

DEFAULT_ADDRESS = "127.0.0.1:50051"
KEYS = frozenset({"address", "token", "token_file", "ca_file"})


@dataclass(frozen=True)
class Settings:
    address: str
    token: str | None
    ca_file: Path | None
    profile: str | None = None  # the profile any of it came from


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    if environ.get("ABAQUEUE_CONFIG"):
        return Path(environ["ABAQUEUE_CONFIG"]).expanduser()
    base = Path(environ["XDG_CONFIG_HOME"]) if environ.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "abaqueue" / "config.toml"


def resolve(address: str | None = None, *, token: str | None = None, token_file: Path | None = None,
            ca_file: Path | None = None, profile: str | None = None,
            environ: Mapping[str, str] = os.environ) -> Settings:
    path = config_path(environ)
    profiles, default = _read(path)
    named = profile or environ.get("ABAQUEUE_PROFILE") or None
    if named is not None and named not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise AbaqueueError(f"no profile {named!r} in {path} (profiles there: {known})")
    env = {"address": environ.get("ABAQUEUE_ADDRESS") or environ.get("ABAQUEUE_SCHEDULER"),
           "token": environ.get("ABAQUEUE_TOKEN"), "token_file": environ.get("ABAQUEUE_TOKEN_FILE"),
           "ca_file": environ.get("ABAQUEUE_CA_FILE")}
    given = {"address": address, "token": token, "token_file": token_file, "ca_file": ca_file}
    # (profile name or None, values), first to last; a profile's relative paths are from its file
    sources = [(None, given), (named, profiles.get(named or "", {})), (None, env),
               (None if named else default, {} if named else profiles.get(default or "", {}))]
    used: list[str] = []

    def pick(*keys: str) -> tuple[dict, Path | None]:
        for name, values in sources:
            if any(values.get(k) for k in keys):
                if name:
                    used.append(name)
                return values, path if name else None
        return {}, None

    values, relative_to = pick("token", "token_file")
    secret = values.get("token") or (read_token(_path(str(values["token_file"]), relative_to))
                                     if values.get("token_file") else None)
    where, _ = pick("address")
    ca, relative_to = pick("ca_file")
    return Settings(str(where.get("address") or DEFAULT_ADDRESS), secret.strip() if secret else None,
                    _path(str(ca["ca_file"]), relative_to) if ca.get("ca_file") else None,
                    used[0] if used else None)


def read_token(path: Path) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="ascii").strip()
    except (OSError, UnicodeError) as e:
        raise AbaqueueError(f"cannot read the token file {path}: {e}") from e


def _read(path: Path) -> tuple[dict[str, dict[str, str]], str | None]:
    """The profiles in the file (none when it does not exist) and the default one's name."""
    try:
        doc = toml.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeError, toml.TOMLDecodeError) as e:
        raise AbaqueueError(f"cannot read {path}: {e}") from e
    profiles = doc.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
        raise AbaqueueError(f"{path}: [profiles.NAME] tables expected")
    for name, values in profiles.items():
        unknown = set(values) - KEYS
        if unknown:
            raise AbaqueueError(f"{path}: profiles.{name}: unknown setting {', '.join(sorted(unknown))} "
                                f"(known: {', '.join(sorted(KEYS))})")
        if not all(isinstance(v, str) for v in values.values()):
            raise AbaqueueError(f"{path}: profiles.{name}: every setting is a string")
    default = doc.get("default")
    if default is not None and (not isinstance(default, str) or default not in profiles):
        raise AbaqueueError(f"{path}: default = {default!r} names no profile")
    return profiles, default or ("default" if "default" in profiles else None)


def _path(value: str, config_file: Path | None) -> Path:
    """A path from a setting: `~` expanded; relative to the config file's folder when from it."""
    path = Path(value).expanduser()
    return config_file.parent / path if config_file is not None and not path.is_absolute() else path
