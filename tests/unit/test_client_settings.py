"""Where the client finds the scheduler and its token (arguments, profiles, environment), and which
files a model takes with it (what it names with input=, nested folders zipped, one subroutine)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from client.errors import AbaqueueError, InvalidArgument
from client.inputs import gather
from client.settings import resolve

CONFIG = """
default = "plant"

[profiles.plant]
address = "plant.example.com:50051"
token_file = "plant.token"

[profiles.lab]
address = "lab:50051"
token = "lab-secret"
ca_file = "~/lab-ca.pem"
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config.toml").write_text(CONFIG)
    (tmp_path / "plant.token").write_text("plant-secret\n")
    return {"ABAQUEUE_CONFIG": str(tmp_path / "config.toml")}


def test_the_default_profile_serves_when_nothing_else_is_given(env, tmp_path):
    s = resolve(environ=env)
    assert (s.address, s.token, s.ca_file, s.profile) == ("plant.example.com:50051", "plant-secret", None, "plant")


def test_the_environment_beats_the_default_profile_and_a_named_profile_beats_the_environment(env):
    env = {**env, "ABAQUEUE_ADDRESS": "env:1", "ABAQUEUE_TOKEN": "env-secret"}
    assert (resolve(environ=env).address, resolve(environ=env).token) == ("env:1", "env-secret")
    lab = resolve(profile="lab", environ=env)
    assert (lab.address, lab.token, lab.ca_file) == ("lab:50051", "lab-secret", Path("~/lab-ca.pem").expanduser())
    assert resolve(environ={**env, "ABAQUEUE_PROFILE": "lab"}).address == "lab:50051"
    given = resolve("given:2", token="t", profile="lab", environ=env)
    assert (given.address, given.token) == ("given:2", "t")


def test_no_file_means_the_built_in_default(tmp_path):
    s = resolve(environ={"ABAQUEUE_CONFIG": str(tmp_path / "none.toml")})
    assert (s.address, s.token, s.profile) == ("127.0.0.1:50051", None, None)


@pytest.mark.parametrize("text, message", [
    ("[profiles.a]\nadress = 'x'\n", "unknown setting adress"),
    ("default = 'b'\n[profiles.a]\naddress = 'x'\n", "names no profile"),
    ("[profiles.a\n", "cannot read"),
])
def test_a_broken_config_file_is_reported_with_what_is_wrong(tmp_path, text, message):
    (tmp_path / "c.toml").write_text(text)
    with pytest.raises(AbaqueueError, match=message):
        resolve(environ={"ABAQUEUE_CONFIG": str(tmp_path / "c.toml")})


def test_an_unknown_profile_names_those_there_are(env):
    with pytest.raises(AbaqueueError, match="no profile 'nope'.*lab, plant"):
        resolve(profile="nope", environ=env)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_files_named_with_input_are_added_those_in_folders_zipped_and_one_subroutine_found(tmp_path):
    model = write(tmp_path / "m" / "plate.inp",
                  "*Heading\n*INCLUDE, INPUT=mat.inp\n*Node, input=\"mesh/nodes.inp\"\n"
                  "** *Include, input=commented.inp\n*include,input=mesh\\parts.inp\n")
    write(tmp_path / "m" / "mat.inp", "*Material, name=STEEL\n")
    write(tmp_path / "m" / "mesh" / "nodes.inp", "1, 0., 0.\n")
    write(tmp_path / "m" / "mesh" / "parts.inp", "*Include, input=more.inp\n")  # relative to mesh/
    write(tmp_path / "m" / "mesh" / "more.inp", "** more\n")
    umat = write(tmp_path / "umat.for", "      SUBROUTINE UMAT\n")
    pack = tmp_path / "pack"
    pack.mkdir()
    inputs = gather(model, [umat], [], find_includes=True, pack_dir=pack)
    assert set(inputs.paths) == {"plate.inp", "mat.inp", "umat.for", "plate-includes.zip"}
    assert inputs.archives == {"plate-includes.zip"} and inputs.user_subroutine == "umat.for"
    with zipfile.ZipFile(inputs.paths["plate-includes.zip"]) as zf:
        assert sorted(zf.namelist()) == ["mesh/more.inp", "mesh/nodes.inp", "mesh/parts.inp"]
    assert set(gather(model, [], [], find_includes=False, pack_dir=pack).paths) == {"plate.inp"}


@pytest.mark.parametrize("line, message", [
    ("*Include, input=C:\\models\\mat.inp", "absolute path"),
    ("*Include, input=../shared/mat.inp", "outside the model's folder"),
    ("*Include, input=gone.inp", "line 2: \\*include, input=gone.inp: no such file"),
])
def test_a_named_file_the_node_could_not_have_is_refused_naming_the_line(tmp_path, line, message):
    model = write(tmp_path / "m" / "plate.inp", f"*Heading\n{line}\n")
    write(tmp_path / "shared" / "mat.inp", "** x\n")
    with pytest.raises(InvalidArgument, match=message):
        gather(model, [], [], find_includes=True, pack_dir=tmp_path)


def test_two_subroutines_are_refused_rather_than_one_guessed(tmp_path):
    model = write(tmp_path / "plate.inp", "*Heading\n")
    subs = [write(tmp_path / "a.for", "x"), write(tmp_path / "b.c", "x")]
    with pytest.raises(InvalidArgument, match="user subroutines"):
        gather(model, subs, [], find_includes=True, pack_dir=tmp_path)
