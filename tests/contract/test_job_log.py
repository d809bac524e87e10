"""The job log contract: every backend must pass every test here."""

from __future__ import annotations

from scheduler.domain.job import FileSpec, Job, JobState
from scheduler.domain.job_log import MAX_TEXT, Level, LogLine, Source


def test_lines_are_numbered_per_job_in_order_and_read_after_a_number(store):
    assert store.append_log("a", [(1.0, 1, Level.INFO, "Abaqus JOB beam", Source.SOLVER),
                                  (1.5, 1, Level.WARNING, "w", Source.AGENT)]) == 2
    assert store.append_log("b", [(2.0, 1, Level.INFO, "other job", Source.SOLVER)]) == 1
    assert store.append_log("a", [(3.0, 2, Level.ERROR, "attempt 2 failed", Source.SCHEDULER)]) == 3
    assert store.job_log("a") == [LogLine(1, 1.0, 1, Level.INFO, "Abaqus JOB beam"),
                                  LogLine(2, 1.5, 1, Level.WARNING, "w", Source.AGENT),
                                  LogLine(3, 3.0, 2, Level.ERROR, "attempt 2 failed", Source.SCHEDULER)]
    assert [line.seq for line in store.job_log("a", after=1, limit=1)] == [2]
    assert store.job_log("a", after=3) == [] and store.job_log("missing") == []
    assert store.append_log("a", []) == 3


def test_long_lines_are_cut_and_the_log_goes_with_its_job(store):
    store.append_log("j1", [(1.0, 1, Level.INFO, "x" * 10_000, Source.SOLVER)])
    assert len(store.job_log("j1")[0].text) == MAX_TEXT
    store.insert(Job(id="j1", name="beam", owner="ana", cpus=1, input_file="beam.inp",
                     input_files=(FileSpec("beam.inp", 1, "a" * 64),), create_time=0.0, state=JobState.CANCELLED))
    assert store.delete_finished("j1")
    assert store.job_log("j1") == []


def test_a_new_jobs_first_lines_are_stored_with_it_and_later_ones_follow_them(store):
    job = Job(id="j2", name="beam", owner="ana", cpus=1, input_file="beam.inp", request_id="r",
              input_files=(FileSpec("beam.inp", 1, "a" * 64),), create_time=0.0, state=JobState.WAITING)
    first = [(1.0, 0, Level.INFO, "created by ana", Source.SCHEDULER), (1.0, 0, Level.INFO, "queued", Source.SCHEDULER)]
    assert store.insert(job, None, first) is None
    assert store.append_log("j2", [(2.0, 1, Level.INFO, "assigned", Source.SCHEDULER)]) == 3
    assert [(line.seq, line.text) for line in store.job_log("j2")] == [(1, "created by ana"), (2, "queued"),
                                                                       (3, "assigned")]
    again = store.insert(job.evolve(id="j3"), None, [(5.0, 0, Level.INFO, "not stored", Source.SCHEDULER)])
    assert again.id == "j2" and store.job_log("j3") == []  # a repeated request id stores nothing
