"""Study files: the example's template filled row by row, models lists, and what is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from client.errors import InvalidArgument
from client.study import load

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "beam_study"


def test_the_example_makes_one_job_per_row_named_after_it_with_its_values_filled_in():
    plan = load(EXAMPLE / "study.toml")
    assert (plan.name, plan.parallelism, plan.cpus, plan.options) == ("beam-thickness", 3, 1,
                                                                       {"priority": "normal", "max_attempts": 2})
    with plan.models() as jobs:
        assert [j.name for j in jobs] == ["beam_t3_p250", "beam_t3_p500", "beam_t5_p250", "beam_t5_p500",
                                          "beam_t8_p250", "beam_t8_p500"]
        text = jobs[0].model.read_text()
        assert " 3.,\n" in text and "TIP, 2, -250." in text and "seconds=4 " in text and "<" not in text
        assert jobs[0].folder == EXAMPLE  # its include is found beside the template
    assert load(EXAMPLE / "study.toml", parallelism=5).parallelism == 5


def write(folder: Path, toml: str) -> Path:
    shutil.copytree(EXAMPLE, folder)
    (folder / "study.toml").write_text(toml)
    return folder / "study.toml"


def test_a_list_of_models_makes_one_job_each(tmp_path):
    path = write(tmp_path / "s", 'models = ["beam.inp", "beam_material.inp"]\nparallelism = 2\n')
    with load(path).models() as jobs:
        assert [(j.name, j.model.name) for j in jobs] == [("beam", "beam.inp"), ("beam_material", "beam_material.inp")]


@pytest.mark.parametrize("toml, message", [
    ('models = ["beam.inp"]\ntemplate = "beam.inp"\n', "either models"),
    ('template = "beam.inp"\n', "needs parameters"),
    ('models = ["nope.inp"]\n', "no such model"),
    ('models = ["beam.inp"]\nparalelism = 2\n', "unknown setting paralelism"),
    ('models = ["beam.inp"]\ntimeout = "2h"\n', "timeout: '2h' is not a number of seconds"),
    ('name = "a b"\nmodels = ["beam.inp"]\n', "name"),
    ('models = ["beam.inp", "beam.inp"]\n', "two jobs would be named beam"),
])
def test_a_bad_study_is_refused_saying_what_is_wrong(tmp_path, toml, message):
    with pytest.raises(InvalidArgument, match=message):
        load(write(tmp_path / "s", toml))


def test_a_model_whose_name_abaqus_would_refuse_is_caught_before_anything_is_sent(tmp_path):
    path = write(tmp_path / "s", 'models = ["plate.v2.inp"]\n')
    (path.parent / "plate.v2.inp").write_text("*Heading\n")
    with pytest.raises(InvalidArgument, match="job name 'plate.v2'"):
        load(path)
    with pytest.raises(InvalidArgument, match="models: 'beam.inp' is not a list"):
        load(write(tmp_path / "t", 'models = "beam.inp"\n'))
