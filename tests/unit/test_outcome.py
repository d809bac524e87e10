"""node_agent.outcome: failure texts and the outcome decided from the job's files."""

from __future__ import annotations

import pytest

from node_agent.outcome import ErrorClass, Outcome, Result, classify_text, decide_outcome

M, L, S = ErrorClass.MODEL, ErrorClass.LICENSE, ErrorClass.SYSTEM
STA_HEAD = ("Abaqus/Standard 2024   DATE 02-Mar-2025 TIME 09:14:51\n"
            "   1     1   1     0     2     2  0.100      0.100      0.1000\n")
STA_OK = STA_HEAD + " THE ANALYSIS HAS COMPLETED SUCCESSFULLY\n"
STA_FAILED = STA_HEAD + " THE ANALYSIS HAS NOT BEEN COMPLETED\n"
LOG_OK = "Abaqus JOB beam\nAbaqus Version 2024\nEnd Abaqus/Standard Analysis\nAbaqus JOB beam COMPLETED\n"
LICENSE_LOG = ('"standard" license request queued for the License Server on lic01.example.com.\n'
               "Time limit of in queue has been exceeded. Exiting.\n"
               "Abaqus Error: Error checking out Abaqus license.\nAbaqus/Analysis exited with errors\n")


@pytest.mark.parametrize(("text", "expected"), [
    (" ***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT", M),
    ("***ERROR: Time increment required is less than the minimum specified", M),
    ("***ERROR: Too many increments needed to complete the step", M),
    ("***ERROR: EXCESSIVE DISTORTION AT A TOTAL OF 3 INTEGRATION POINTS", M),
    (" THE ANALYSIS HAS BEEN TERMINATED DUE TO PREVIOUS ERRORS", M),
    ("Abaqus Error: Analysis Input File Processor exited with an error.", M),
    ("Problem during compilation - umat.for", M),
    ("Problem during linking - Single Precision Abaqus/Standard User Subroutines.", M),
    ("***ERROR: in keyword *STATICC, file \"beam.inp\", line 12: unknown keyword", M),
    ("Abaqus Error: Error checking out Abaqus license.", L),
    ("No license server available", L),
    ("Licensed number of users already reached.", L),
    ("FlexNet Licensing error:-4,132", L),
    ("Failed to startup licensing", L),
    ("Time limit of in queue has been exceeded. Exiting.", L),
    ("Abaqus Error: The executable standard.exe aborted with system error code 1073741819.", S),
    ("forrtl: error (65): floating invalid - Illegal floating point operation", S),
    ("mpirun: process exited on signal 9 (Killed)", S),
    ("Abaqus Error: some launcher failure nobody has seen before", S),
])
def test_classify_each_known_text(text, expected):
    assert classify_text(f"some line\n  {text}  \nanother line\n") == (expected, text.strip())


def test_classify_prefers_license_then_system_then_model():
    model = "***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT"
    assert classify_text(f"{model}\nAbaqus Error: Error checking out Abaqus license.") == (
        L, "Abaqus Error: Error checking out Abaqus license.")
    assert classify_text(f"{model}\nIllegal floating point operation")[0] is S
    # The specific model text names the cause better than the generic trailer before it.
    generic = "Abaqus Error: Analysis Input File Processor exited with an error."
    specific = "***ERROR: unknown keyword *FOO"
    assert classify_text(f"{generic}\n{specific}") == (M, specific)


@pytest.mark.parametrize("text", ["", "Abaqus JOB beam COMPLETED\n", "***WARNING: slow convergence\n"])
def test_classify_nothing(text):
    assert classify_text(text) is None


def write(tmp_path, **files: str | bytes) -> None:
    for ext, content in files.items():
        path = tmp_path / f"beam.{ext}"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def test_completed(tmp_path):
    write(tmp_path, sta=STA_OK, log=LOG_OK, dat="\n          THE ANALYSIS HAS BEEN COMPLETED\n")
    assert decide_outcome(tmp_path, "beam", 0) == Outcome(Result.COMPLETED, None, None, ())


def test_completed_with_windows_line_ends(tmp_path):
    write(tmp_path, log=LOG_OK.replace("\n", "\r\n"))
    assert decide_outcome(tmp_path, "beam", 0).result is Result.COMPLETED


def test_completed_despite_a_non_zero_exit_code(tmp_path):
    write(tmp_path, sta=STA_OK, log=LOG_OK)
    outcome = decide_outcome(tmp_path, "beam", 1)
    assert outcome.result is Result.COMPLETED
    assert outcome.warnings == ("launcher exited with code 1 after the analysis completed",)


@pytest.mark.parametrize("files", [
    {"log": LOG_OK},
    {"msg": "           THE ANALYSIS HAS BEEN COMPLETED\n"},
    {"dat": " ANALYSIS DATACHECK COMPLETE\n"},
])
def test_any_success_marker_is_enough(tmp_path, files):
    write(tmp_path, **files)
    assert decide_outcome(tmp_path, "beam", None).result is Result.COMPLETED


def test_model_failure(tmp_path):
    write(tmp_path, sta=STA_FAILED, msg=" ***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT\n",
          log="Abaqus JOB beam\nAbaqus/Analysis exited with errors\n")
    assert decide_outcome(tmp_path, "beam", 1) == Outcome(
        Result.FAILED, M, "***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT")


def test_a_failed_sta_wins_over_other_success_markers(tmp_path):
    write(tmp_path, sta=STA_FAILED, log=LOG_OK)
    expected = Outcome(Result.FAILED, S, "THE ANALYSIS HAS NOT BEEN COMPLETED")
    assert decide_outcome(tmp_path, "beam", 0) == expected


def test_license_failure(tmp_path):
    write(tmp_path, log=LICENSE_LOG)
    assert decide_outcome(tmp_path, "beam", 1) == Outcome(
        Result.FAILED, L, "Abaqus Error: Error checking out Abaqus license.")


def test_system_failure(tmp_path):
    write(tmp_path, sta=STA_HEAD, log="Abaqus Error: The executable standard.exe aborted with system error "
                                      "code 1073741819.\nAbaqus/Analysis exited with errors\n")
    outcome = decide_outcome(tmp_path, "beam", 1)
    assert (outcome.result, outcome.error_class) == (Result.FAILED, S)
    assert "1073741819" in outcome.error_message


def test_failure_markers_decide_while_the_process_is_still_ending(tmp_path):
    write(tmp_path, log=LICENSE_LOG)
    assert decide_outcome(tmp_path, "beam", None).error_class is L


def test_exited_with_errors_and_nothing_else_is_a_system_failure(tmp_path):
    write(tmp_path, log="Abaqus JOB beam\nAbaqus/Analysis exited with errors\n")
    expected = Outcome(Result.FAILED, S, "Abaqus/Analysis exited with errors")
    assert decide_outcome(tmp_path, "beam", 1) == expected


def test_not_started(tmp_path):
    write(tmp_path, inp="*Heading\n", log="")  # the agent creates the empty log before the launcher runs
    assert decide_outcome(tmp_path, "beam", None) == Outcome(Result.NOT_STARTED)


@pytest.mark.parametrize("files", [{"sta": STA_HEAD}, {"log": "Abaqus JOB beam\n"}, {"lck": ""}])
def test_running(tmp_path, files):
    write(tmp_path, **files)
    assert decide_outcome(tmp_path, "beam", None) == Outcome(Result.RUNNING)


def test_exit_zero_without_completion_is_a_system_failure(tmp_path):
    write(tmp_path, sta=STA_HEAD, log="Abaqus JOB beam\n")
    outcome = decide_outcome(tmp_path, "beam", 0)
    assert (outcome.result, outcome.error_class) == (Result.FAILED, S)
    assert "without completing" in outcome.error_message


@pytest.mark.parametrize("code", [1, -9, 3221225477])
def test_non_zero_exit_without_markers_names_the_code(tmp_path, code):
    outcome = decide_outcome(tmp_path, "beam", code)
    assert (outcome.result, outcome.error_class) == (Result.FAILED, S)
    assert str(code) in outcome.error_message


def test_reads_the_tail_of_large_files_and_survives_bad_bytes(tmp_path):
    # The early error lies outside the tail: had it been read, the outcome would carry a warning.
    filler = b"\xff\xfe not utf-8 \x80\n" * 40_000  # about 640 KiB
    early = b" ***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT (early, beyond the tail)\n"
    write(tmp_path, dat=early + filler + b" THE ANALYSIS HAS BEEN COMPLETED\n")
    assert decide_outcome(tmp_path, "beam", 0) == Outcome(Result.COMPLETED)


def test_job_name_must_match_the_log_line(tmp_path):
    write(tmp_path, log="Abaqus JOB other COMPLETED\n")
    assert decide_outcome(tmp_path, "beam", None).result is Result.RUNNING


TOO_MANY = " ***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT"
CHECKED_OUT = "Abaqus/Standard checked out 16 tokens from Flexnet server lic01.example.com."


def test_a_license_error_overcome_by_a_checkout_is_not_what_ended_the_run(tmp_path):
    write(tmp_path, sta=STA_FAILED, msg=f"{TOO_MANY}\n",
          log=f"Abaqus JOB beam\nFlexNet Licensing error:-15,10. System Error: 10061\n{CHECKED_OUT}\n"
              "Abaqus Error: Abaqus/Standard Analysis exited with an error - Please see the  message file\n"
              "Abaqus/Analysis exited with errors\n")
    assert decide_outcome(tmp_path, "beam", 1) == Outcome(Result.FAILED, M, TOO_MANY.strip())


def test_a_license_error_after_the_checkout_still_counts(tmp_path):
    """A second checkout (the Explicit phase after Standard's packager, say) that fails."""
    write(tmp_path, log=f"{CHECKED_OUT}\n{LICENSE_LOG}")
    assert decide_outcome(tmp_path, "beam", 1) == Outcome(
        Result.FAILED, L, "Abaqus Error: Error checking out Abaqus license.")
    assert classify_text(f"FlexNet Licensing error:-4,132\n{CHECKED_OUT}\n{TOO_MANY}") == (M, TOO_MANY.strip())


def test_the_last_solver_error_decides_not_the_pattern_priority(tmp_path):
    """A memory remark in an earlier error is not what stopped the analysis: the last error is."""
    memory = " ***ERROR: THE EQUATION SOLVER WOULD RUN OUT OF MEMORY WITH THIS MANY DEGREES OF FREEDOM; TRYING AGAIN"
    write(tmp_path, sta=STA_FAILED, msg=f"{memory}\n{TOO_MANY}\n THE ANALYSIS HAS BEEN TERMINATED DUE TO PREVIOUS "
                                        "ERRORS\n", log="Abaqus JOB beam\nAbaqus/Analysis exited with errors\n")
    assert decide_outcome(tmp_path, "beam", 1) == Outcome(Result.FAILED, M, TOO_MANY.strip())
    mentioned = " ***ERROR: TOO MANY ATTEMPTS MADE FOR THIS INCREMENT (out of memory in the line search)"
    assert classify_text(mentioned) == (M, mentioned.strip())  # the named model cause, on one line
    write(tmp_path, msg=f"{TOO_MANY}\n ***ERROR: out of memory: 64 GB requested, 32 GB available\n")
    assert decide_outcome(tmp_path, "beam", 1).error_class is S  # it ended on memory: retried elsewhere


def test_a_crash_the_launcher_reports_ends_the_run_whatever_the_msg_said_before(tmp_path):
    write(tmp_path, sta=STA_HEAD, msg=" ***ERROR: THE STRAIN INCREMENT IS TOO LARGE IN ELEMENT 7\n",
          log="Abaqus Error: The executable standard.exe aborted with system error code 1073741819.\n"
              "Abaqus/Analysis exited with errors\n")
    outcome = decide_outcome(tmp_path, "beam", 1)
    assert (outcome.error_class, "1073741819" in outcome.error_message) == (S, True)


def test_the_dat_explains_a_generic_launcher_error(tmp_path):
    write(tmp_path, dat=" ***ERROR: in keyword *STATICC, file \"beam.inp\", line 12: The keyword is misspelled\n",
          log="Abaqus Error: Analysis Input File Processor exited with an error - Please see the  beam.dat file\n"
              "Abaqus/Analysis exited with errors\n")
    outcome = decide_outcome(tmp_path, "beam", 1)
    assert outcome.error_class is M and "misspelled" in outcome.error_message
