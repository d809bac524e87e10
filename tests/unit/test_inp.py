"""node_agent.inp: steps and periods from an input file, includes, and simulator options."""

from __future__ import annotations

from pathlib import Path

from node_agent.inp import Step, parse_steps, read_sim_options


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_static_period_is_the_second_field(tmp_path):
    inp = write(tmp_path / "a.inp",
                "*Heading\n*Step, name=Load, nlgeom=YES\n*Static\n0.1, 2.5, 1e-5, 0.5\n*End Step\n")
    assert parse_steps(inp) == [Step("static", 2.5)]


def test_static_period_defaults_to_one_when_blank_or_missing(tmp_path):
    inp = write(tmp_path / "a.inp", (
        "*Step\n*Static\n0.1, , 1e-5\n*End Step\n"   # blank field
        "*Step\n*Static\n0.1\n*End Step\n"           # missing field
        "*Step\n*Static\n*Boundary\n1, 1, 3\n*End Step\n"  # no data line at all
        "*Step\n*Static\n0.1, -2.0\n*End Step\n"     # a nonsense period
    ))
    assert parse_steps(inp) == [Step("static", 1.0)] * 4


def test_procedures_and_their_periods(tmp_path):
    inp = write(tmp_path / "a.inp", (
        "*Step\n*Dynamic, Explicit\n, 0.002\n*End Step\n"
        "*Step\n*Dynamic\n0.01, 0.5\n*End Step\n"
        "*Step\n*Heat Transfer, end=PERIOD, deltmx=5\n1., 3600., 1e-5, 100.\n*End Step\n"
        "*Step\n*Visco\n0.1, 10.\n*End Step\n"
        "*Step\n*Coupled Temperature-Displacement\n0.1, 4.0\n*End Step\n"
        "*Step\n*Soils, consolidation\n1.0, 1.0D2\n*End Step\n"
    ))
    assert parse_steps(inp) == [
        Step("explicit", 0.002), Step("dynamic", 0.5), Step("heat transfer", 3600.0), Step("visco", 10.0),
        Step("coupled temperature-displacement", 4.0), Step("soils", 100.0),
    ]


def test_perturbation_steps_have_no_period(tmp_path):
    inp = write(tmp_path / "a.inp", (
        "*Step\n*Frequency, eigensolver=Lanczos\n10\n*End Step\n"
        "*Step\n*Buckle\n5\n*End Step\n"
        "*Step, perturbation\n*Static\n*End Step\n"
    ))
    assert parse_steps(inp) == [Step("frequency", None), Step("buckle", None), Step("static", None)]


def test_riks_is_a_whole_unit_of_period_one(tmp_path):
    inp = write(tmp_path / "a.inp",
                "*Step, nlgeom\n*Static, Riks\n0.05, 1.0, 1e-5, 0.2, 3.0, 10, 2, 0.5\n*End Step\n")
    assert parse_steps(inp) == [Step("riks", 1.0)]


def test_keywords_are_case_and_space_insensitive_and_comments_are_skipped(tmp_path):
    inp = write(tmp_path / "a.inp", (
        "** *Step\n** *Static\n**0.1, 99.\n"
        "*STEP, NAME=\"a, b\"\n**\n*  heat   TRANSFER ,  STEADY STATE\n"
        "** a comment between\n1.0, 7.0\n*END STEP\n"
    ))
    assert parse_steps(inp) == [Step("heat transfer", 7.0)]


def test_continued_keyword_and_data_lines(tmp_path):
    inp = write(tmp_path / "a.inp", "*Step, name=s1,\n perturbation\n*Static\n*End Step\n"
                                    "*Step\n*Dynamic,\n explicit\n,\n 0.25\n*End Step\n")
    assert parse_steps(inp) == [Step("static", None), Step("explicit", 0.25)]


def test_includes_are_followed_relative_to_the_including_file(tmp_path):
    write(tmp_path / "model" / "main.inp",
          "*Heading\n*INCLUDE, INPUT=parts/mesh.inp\n*Include, input=\"steps.inp\"\n")
    write(tmp_path / "model" / "parts" / "mesh.inp", "*Node\n1, 0., 0., 0.\n*Include, input=../more.inp\n")
    write(tmp_path / "model" / "more.inp", "*Step\n*Static\n0.1, 3.0\n*End Step\n")
    write(tmp_path / "model" / "steps.inp", "*Step\n*Frequency\n4\n*End Step\n")
    assert parse_steps(tmp_path / "model" / "main.inp") == [Step("static", 3.0), Step("frequency", None)]


def test_a_missing_include_is_ignored(tmp_path):
    inp = write(tmp_path / "a.inp", "*Include, input=nowhere.inp\n*Step\n*Static\n1., 5.\n*End Step\n")
    assert parse_steps(inp) == [Step("static", 5.0)]


def test_an_include_cycle_ends(tmp_path):
    inp = write(tmp_path / "a.inp", "*Include, input=a.inp\n*Step\n*Static\n1., 5.\n*End Step\n")
    steps = parse_steps(inp)
    assert steps and set(steps) == {Step("static", 5.0)}  # repeated up to the depth limit, not forever


def test_a_step_without_a_known_procedure_is_a_whole_unit(tmp_path):
    inp = write(tmp_path / "a.inp", "*Step\n*Boundary\n1, 1, 3\n*End Step\n*Step\n*Static\n*End Step\n")
    assert parse_steps(inp) == [Step("unknown", None), Step("static", 1.0)]


def test_an_unreadable_file_has_no_steps(tmp_path):
    assert parse_steps(tmp_path / "missing.inp") == []


def test_a_file_with_bad_bytes_still_parses(tmp_path):
    inp = tmp_path / "a.inp"
    inp.write_bytes(b"*Heading\n\xff\xfe caf\xe9\n*Step\n*Static\n0.1, 2.\n*End Step\n")
    assert parse_steps(inp) == [Step("static", 2.0)]


def test_sim_options_later_lines_win(tmp_path):
    inp = write(tmp_path / "a.inp", (
        "** abaqus-sim: seconds=5 increments=3\n*Heading\n"
        "**Abaqus-Sim:  fail=model  seconds=0.5\n"
        "** not an option: x=1\n*Step\n*Static\n*End Step\n"
    ))
    assert read_sim_options(inp) == {"seconds": "0.5", "increments": "3", "fail": "model"}


def test_sim_options_absent(tmp_path):
    assert read_sim_options(write(tmp_path / "a.inp", "*Heading\n** a comment\n")) == {}
