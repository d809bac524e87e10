"""The agent's state file: swapped in safely while Windows tools hold it for a moment, and read
back record by record, whatever version of the agent wrote it."""

from __future__ import annotations

import json
import logging
import os

import pytest

from node_agent import local_state
from node_agent.local_state import FILE_NAME, SET_ASIDE_NAME, SOLVING, LocalState, RunRecord, with_retries

JOB = "3f2c" * 8


def record(attempt: int = 1, **changes) -> RunRecord:
    return RunRecord(JOB, attempt, b"\x0a\x03abc", **changes)


def test_a_swap_refused_for_a_moment_is_tried_again(tmp_path, monkeypatch):
    """On Windows an antivirus holding the state file makes os.replace fail with a sharing
    violation (PermissionError) for a moment; here a stand-in for os.replace does the same twice."""
    real_replace, refusals, pauses = os.replace, [], []

    def held_for_a_moment(src, dst):
        if len(refusals) < 2:
            refusals.append(dst)
            raise PermissionError(13, "The process cannot access the file because it is being used by another "
                                      "process")
        real_replace(src, dst)

    monkeypatch.setattr(local_state.os, "replace", held_for_a_moment)
    state = LocalState(tmp_path, sleep=pauses.append)
    state.save(record(phase=SOLVING, launcher_pid=42))
    assert len(refusals) == 2 and pauses == list(local_state.RETRY_PAUSES_S[:2])
    assert LocalState(tmp_path).load() == [record(phase=SOLVING, launcher_pid=42)]


def test_a_file_held_for_good_is_an_error_after_a_few_short_tries():
    pauses: list[float] = []

    def refuse():
        raise PermissionError(13, "held")

    with pytest.raises(PermissionError):
        with_retries(refuse, "replacing the state", pauses.append)
    assert pauses == list(local_state.RETRY_PAUSES_S) and sum(pauses) < 1.0
    with pytest.raises(FileNotFoundError):  # not a sharing violation: no retry
        with_retries(lambda: os.replace("/no/such/file", "/no/such/other"), "x", pauses.append)
    assert len(pauses) == len(local_state.RETRY_PAUSES_S)


def write_runs(tmp_path, runs) -> None:
    (tmp_path / FILE_NAME).write_text(json.dumps({"runs": runs}), encoding="utf-8")


def as_json(r: RunRecord) -> dict:
    return local_state._as_json(r)


def test_keys_from_another_version_are_ignored_record_by_record(tmp_path, caplog):
    newer = {**as_json(record(2)), "gpu_ids": [0, 1], "solver_version": "2025"}
    write_runs(tmp_path, [as_json(record(1)), newer])
    with caplog.at_level(logging.WARNING):
        loaded = LocalState(tmp_path).load()
    assert loaded == [record(1), record(2)]
    assert "gpu_ids, solver_version" in caplog.text and f"{JOB}-2" in caplog.text


def test_a_record_that_cannot_be_read_is_set_aside_and_the_others_kept(tmp_path, caplog):
    bad = [{**as_json(record(3)), "assignment": "not base64!"}, {"job_id": JOB}, "junk",
           {**as_json(record(4)), "attempt": "four"}, {**as_json(record(5)), "phase": "uploading"}]
    write_runs(tmp_path, [as_json(record(1)), *bad, as_json(record(2))])
    with caplog.at_level(logging.ERROR):
        state = LocalState(tmp_path)
        assert state.load() == [record(1), record(2)]
    assert caplog.text.count("cannot be taken up") == len(bad)
    aside = [json.loads(line) for line in (tmp_path / SET_ASIDE_NAME).read_text().splitlines()]
    assert [a["run"] for a in aside] == bad and all(a["reason"] for a in aside)
    assert LocalState(tmp_path).load() == [record(1), record(2)]  # the file holds only the good ones now
    state.set_aside(record(2), "its assignment does not decode")
    assert LocalState(tmp_path).load() == [record(1)]
    assert "its assignment does not decode" in (tmp_path / SET_ASIDE_NAME).read_text()


def test_a_file_that_is_not_state_is_moved_aside_whole(tmp_path):
    (tmp_path / FILE_NAME).write_text("{not json", encoding="utf-8")
    assert LocalState(tmp_path).load() == []
    assert (tmp_path / "agent-state.unreadable").read_text() == "{not json"
    write_runs(tmp_path, {"a": 1})
    assert LocalState(tmp_path).load() == []
