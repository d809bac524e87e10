from __future__ import annotations

import hashlib

import pytest

from scheduler.domain import validation
from scheduler.domain.errors import InvalidArgument
from scheduler.domain.job import FileSpec, SolverOptions

SHA = "a" * 64


@pytest.mark.parametrize("name", ["beam", "Beam_2-a", "x" * 64])
def test_good_job_names(name):
    assert validation.job_name(name) == name


@pytest.mark.parametrize("name", ["", "a b", "a&b", "a|b", "x" * 65, "a%b", "é"])
def test_bad_job_names_name_the_field(name):
    with pytest.raises(InvalidArgument) as e:
        validation.job_name(name)
    assert e.value.field == "name"


@pytest.mark.parametrize("name", ["../x.inp", "a/b.inp", "a\\b.inp", "CON", "con.inp", "LPT1.txt", "x.inp.",
                                  "x.inp ", "", "a:b", "..", "x" * 200, "CON .inp", "com\u00b9.inp",
                                  "CONIN$", "conout$.txt"])
def test_bad_file_names(name):
    with pytest.raises(InvalidArgument) as e:
        validation.file_specs([FileSpec(name, 1, SHA)], "input_files")
    assert e.value.field == "input_files[0].name"


def test_file_names_that_differ_only_in_case_clash():
    with pytest.raises(InvalidArgument, match="given twice"):
        validation.file_specs([FileSpec("a.inp", 1, SHA), FileSpec("A.INP", 1, SHA)], "input_files")


def test_checksums_and_sizes_are_checked():
    with pytest.raises(InvalidArgument) as e:
        validation.file_specs([FileSpec("a.inp", 1, "xyz")], "input_files")
    assert e.value.field == "input_files[0].sha256"
    with pytest.raises(InvalidArgument) as e:
        validation.file_specs([FileSpec("a.inp", -1, SHA)], "input_files")
    assert e.value.field == "input_files[0].size_bytes"


def test_the_main_input_must_be_an_inp_among_the_files():
    files = [FileSpec("a.inp", 1, SHA), FileSpec("b.f", 1, SHA)]
    assert validation.input_file("a.inp", files) == "a.inp"
    for bad in ("b.f", "c.inp"):
        with pytest.raises(InvalidArgument):
            validation.input_file(bad, files)



@pytest.mark.parametrize("name", ["my model.inp", "model(1).inp", "a,b.inp", "modèle.inp"])
def test_a_model_name_cmd_exe_would_misread_is_refused_at_submission(name):
    """Windows allows these names, but abaqus.bat passes input= through cmd.exe."""
    with pytest.raises(InvalidArgument) as e:
        validation.input_file(name, [FileSpec(name, 1, SHA)])
    assert e.value.field == "input_file" and "abaqus.bat" in str(e.value)


@pytest.mark.parametrize("value", [0, -1, validation.MAX_CPUS + 1])
def test_cpus_out_of_range(value):
    with pytest.raises(InvalidArgument):
        validation.cpus(value)


def test_cpus_may_not_exceed_the_largest_node():
    assert validation.cpus_on_nodes(16, largest_node=16) == 16
    assert validation.cpus_on_nodes(64, largest_node=None) == 64  # no node registered yet
    with pytest.raises(InvalidArgument) as e:
        validation.cpus_on_nodes(17, largest_node=16)
    assert e.value.field == "cpus" and "largest node offers (16)" in str(e.value)


@pytest.mark.parametrize(("labels", "field"), [
    ({"Site": "x"}, "labels['Site']"),
    ({"": "x"}, "labels['']"),
    ({"-site": "x"}, "labels['-site']"),
    ({"site": "a\nb"}, "labels['site']"),
    ({"site": "x" * 129}, "labels['site']"),
    ({f"k{i}": "v" for i in range(33)}, "labels"),
])
def test_bad_labels_name_the_label(labels, field):
    with pytest.raises(InvalidArgument) as e:
        validation.labels(labels)
    assert e.value.field == field


def test_good_labels():
    assert validation.labels({"site": "munich", "gpu.vendor": "nvidia", "os": ""}) == {
        "site": "munich", "gpu.vendor": "nvidia", "os": ""}


def test_only_zip_archives_are_unpacked_and_the_model_may_come_from_one():
    sha = "0" * 64
    with pytest.raises(InvalidArgument) as e:
        validation.file_specs([FileSpec("m.inp", 1, sha), FileSpec("inc.tar", 1, sha, unpack=True)], "input_files",
                              inputs=True)
    assert e.value.field == "input_files[1].unpack"
    with pytest.raises(InvalidArgument) as e:
        validation.file_specs([FileSpec("r.zip", 1, sha, unpack=True)], "result_files")
    assert e.value.field == "result_files[0].unpack"
    archive = (FileSpec("inputs.zip", 1, sha, unpack=True),)
    assert validation.input_file("beam.inp", archive) == "beam.inp"  # checked by the node once unpacked
    for bad in ("models/beam.inp", "..\\beam.inp", "CON.inp"):
        with pytest.raises(InvalidArgument) as e:
            validation.input_file(bad, archive)
        assert e.value.field == "input_file"
    with pytest.raises(InvalidArgument, match="no archive is unpacked"):
        validation.input_file("beam.inp", (FileSpec("other.inp", 1, sha),))
    with pytest.raises(InvalidArgument):  # the archive itself is not the model
        validation.input_file("inputs.zip", archive)


SPECS = (FileSpec("beam.inp", 10, SHA), FileSpec("umat.for", 10, SHA), FileSpec("inc.zip", 10, SHA, True),
         FileSpec("my umat.for", 10, SHA))


@pytest.mark.parametrize(("options", "field"), [
    (SolverOptions(memory="16 tb"), "solver.memory"),
    (SolverOptions(memory="90%"), "solver.memory"),  # % breaks a .bat command line
    (SolverOptions(double_precision="quad"), "solver.double_precision"),
    (SolverOptions(user_subroutine="vumat.for"), "solver.user_subroutine"),  # not among the inputs
    (SolverOptions(user_subroutine="beam.inp"), "solver.user_subroutine"),  # not a subroutine
    (SolverOptions(user_subroutine="inc.zip"), "solver.user_subroutine"),
    (SolverOptions(user_subroutine="my umat.for"), "solver.user_subroutine"),  # a space: cmd.exe splits it
    (SolverOptions(oldjob="Beam"), "solver.oldjob"),  # its own name
    (SolverOptions(oldjob="a&b"), "solver.oldjob"),
    (SolverOptions(timeout_s=-1), "solver.timeout"),
    (SolverOptions(timeout_s=float("nan")), "solver.timeout"),
    (SolverOptions(result_patterns=("../*.odb",)), "solver.result_patterns[0]"),
    (SolverOptions(result_patterns=("*.csv",) * 33), "solver.result_patterns"),
])
def test_bad_solver_options_name_their_field(options, field):
    with pytest.raises(InvalidArgument) as e:
        validation.solver_options(options, "beam", SPECS)
    assert e.value.field == field


def test_good_solver_options_come_back_as_abaqus_takes_them():
    got = validation.solver_options(SolverOptions(memory="16 GB", double_precision="both", user_subroutine="umat.for",
                                                  oldjob="beam0", timeout_s=3600, result_patterns=["*.csv"]),
                                    "beam", SPECS)
    assert got == SolverOptions("16gb", "both", "umat.for", "beam0", 3600, ("*.csv",))


def test_file_names_together_are_bounded_so_a_job_fits_one_store_item():
    many = [FileSpec(f"{i:04d}" + "é" * 62 + ".txt", 1, SHA) for i in range(1000)]  # 70 characters, 132 bytes
    with pytest.raises(InvalidArgument) as e:
        validation.file_specs(many, "input_files")
    assert e.value.field == "input_files" and "132,000 bytes" in str(e.value)
    assert len(validation.file_specs(many[:990], "input_files")) == 990


def test_inline_inputs_take_their_size_and_digest_from_their_content_and_are_bounded():
    content = b"*Heading\n"
    specs = [FileSpec("m.inp", 0, ""), FileSpec("big.dat", 10**9, "a" * 64)]
    checked, inline = validation.inline_inputs(specs, [content, None])
    assert checked == (FileSpec("m.inp", len(content), hashlib.sha256(content).hexdigest(), inline=True), specs[1])
    assert inline == {"m.inp": content}
    assert validation.inline_inputs(specs, []) == (tuple(specs), {})  # nothing inline
    given = FileSpec("m.inp", len(content), hashlib.sha256(content).hexdigest())
    assert validation.inline_inputs([given], [content])[0][0].inline  # what was given matches
    half = b"x" * (validation.MAX_INLINE_BYTES // 2 + 1)
    with pytest.raises(InvalidArgument, match=r"input_files\[1\]\.content: the inline inputs take"):
        validation.inline_inputs([FileSpec("a.inp", 0, ""), FileSpec("b.inp", 0, "")], [half, half])
    with pytest.raises(InvalidArgument, match=r"input_files\[0\]\.sha256"):
        validation.inline_inputs([FileSpec("m.inp", 0, "0" * 64)], [content])
    with pytest.raises(InvalidArgument, match=r"input_files\[0\]\.size_bytes"):
        validation.inline_inputs([FileSpec("m.inp", 1, "")], [content])
    with pytest.raises(InvalidArgument, match=r"result_files\[0\]\.content"):
        validation.file_specs([FileSpec("r.odb", 1, "a" * 64, inline=True)], "result_files")
