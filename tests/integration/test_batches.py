"""Batches against a live cluster: the parallelism bound (seen in every state change), stage progress
moving before any job ends, a failure isolated, cancelling, the CLI and the example study."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from client import JobState
from client.models import EventKind
from client.study import load
from scheduler.domain.identity import Role
from tests.integration.test_stopping import wait_until

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "beam_study"


def study(tmp_path: Path, rows: list[str], parallelism: int, extra: str = "") -> Path:
    """The example study in `tmp_path`, with these CSV rows (name,thickness,load,seconds)."""
    folder = tmp_path / "study"
    shutil.copytree(EXAMPLE, folder)
    (folder / "beams.csv").write_text("name,thickness,load,seconds\n" + "".join(r + "\n" for r in rows))
    text = (folder / "study.toml").read_text().replace("parallelism = 3", f"parallelism = {parallelism}")
    (folder / "study.toml").write_text(text + extra)
    return folder / "study.toml"


class ActiveJobs:
    """Follows every job event of the caller's jobs and keeps the most that were started at once."""

    def __init__(self, client) -> None:
        self.active: set[str] = set()
        self.most = 0
        self.client = client  # its own: closing it ends the stream
        self.stream = client.events()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for event in self.stream:
                if event.kind is EventKind.JOB:
                    if event.job.state in (JobState.STARTING, JobState.RUNNING):
                        self.active.add(event.job_id)
                    else:
                        self.active.discard(event.job_id)
                    self.most = max(self.most, len(self.active))
        except Exception:  # noqa: BLE001 - closed at the end of the test
            pass

    def close(self) -> None:
        self.client.close()
        self.thread.join(10)


def roomy(cluster) -> None:
    """Limits that let a user run 8 jobs at once: only a batch's parallelism holds them back."""
    with cluster.client("root", Role.ADMIN) as admin:
        admin.update_queue_settings(max_concurrent=8, user_max_concurrent=8)
    for name in ("node-1", "node-2"):
        cluster.add_agent(name, cpus=4)


def test_twenty_jobs_with_parallelism_three_never_run_more_than_three_and_progress_moves_early(cluster, tmp_path):
    rows = [f"b{i:02d},5.,500.,1" for i in range(20)]
    plan = load(study(tmp_path, rows, parallelism=3))
    roomy(cluster)
    with cluster.client() as client:
        watcher = ActiveJobs(cluster.client())
        batch = client.submit_batch(plan)
        assert len(batch.job_ids) == 20 and batch.progress.total_stages == 60
        samples = []
        reasons = set()

        def sample(b):
            samples.append(b.progress)
            waiting = [i for i in b.job_ids if i not in {r.job_id for r in b.progress.running}]
            for job_id in waiting[:3]:
                job = client.get(job_id)
                if job.state is JobState.WAITING:
                    reasons.update(r.code for r in job.reasons)

        final = client.wait_batch(batch.id, on_update=sample, every_s=0.2)
        watcher.close()
    assert final.progress.completed == 20 and final.progress.completed_stages == 60
    assert 0 < watcher.most <= 3, watcher.most  # every state change of every job was seen
    assert max(len(p.running) for p in samples) <= 3
    assert any(p.completed_stages > 0 and p.completed == 0 for p in samples)  # movement before the first ends
    assert "batch_parallelism" in reasons
    assert any(p.estimated_finish_time for p in samples if not p.finished)
    assert {r.stage for p in samples for r in p.running} >= {2}


def test_a_failed_job_leaves_the_rest_of_its_batch_running(cluster, tmp_path):
    path = study(tmp_path, ["ok_a,5.,500.,2", "bad,5.,500.,1", "ok_b,5.,500.,2", "ok_c,5.,500.,2"], 2)
    template = path.parent / "beam.inp"
    # the row named bad fails as a model error: its seconds column carries the simulator's option
    (path.parent / "beams.csv").write_text((path.parent / "beams.csv").read_text().replace(
        "bad,5.,500.,1", "bad,5.,500.,1 fail=model"))
    assert "<seconds>" in template.read_text()
    roomy(cluster)
    with cluster.client() as client:
        batch = client.submit_batch(load(path))
        final = client.wait_batch(batch.id, every_s=0.2)
        jobs = {client.get(i).name: client.get(i) for i in final.job_ids}
    assert final.progress.failed == 1 and final.progress.completed == 3
    assert jobs["bad"].state is JobState.FAILED and jobs["bad"].error_class.value == "model"
    assert all(jobs[n].state is JobState.COMPLETED for n in ("ok_a", "ok_b", "ok_c"))


def test_cancelling_a_batch_cancels_its_waiting_and_running_jobs(cluster, tmp_path):
    plan = load(study(tmp_path, [f"c{i},5.,500.,30" for i in range(5)], parallelism=2))
    roomy(cluster)
    with cluster.client() as client:
        batch = client.submit_batch(plan)
        wait_until(lambda: len(client.get_batch(batch.id).progress.running) == 2, what="two running")
        cancelled = client.cancel_batch(batch.id)
        final = client.wait_batch(batch.id, every_s=0.2)
        states = {client.get(i).state for i in final.job_ids}
    assert cancelled.cancelled and states == {JobState.CANCELLED} and final.progress.cancelled == 5


def test_the_example_study_runs_from_the_cli_and_its_results_land_one_folder_per_job(cluster, tmp_path, capsys):
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    csv = folder / "beams.csv"
    csv.write_text("\n".join(line.rsplit(",", 1)[0] + (",1" if i else ",seconds")
                             for i, line in enumerate(csv.read_text().splitlines())) + "\n")  # 1 s each
    cluster.add_agent("node-1", cpus=4)
    code, out, err = cluster.cli(capsys, "batch", "submit", str(folder / "study.toml"), "--wait")
    assert code == 0, err
    batch_id = out.strip()
    code, out, _ = cluster.cli(capsys, "batch", "get", batch_id, "--json")
    got = json.loads(out)
    assert got["parallelism"] == 3 and got["progress"]["completed"] == 6 and got["name"] == "beam-thickness"
    code, out, _ = cluster.cli(capsys, "batch", "list")
    assert code == 0 and batch_id in out
    code, out, _ = cluster.cli(capsys, "batch", "results", batch_id, "--dest", str(tmp_path / "r"),
                           "--only", ".odb")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == sorted(
        line.split(",")[0] for line in csv.read_text().splitlines()[1:])
    assert all((tmp_path / "r" / d / f"{d}.odb").is_file() for d in ("beam_t3_p250", "beam_t8_p500"))


def test_a_study_with_a_placeholder_no_column_fills_is_refused_naming_it(tmp_path):
    path = study(tmp_path, ["x,5.,500.,1"], 1)
    (path.parent / "beam.inp").write_text((path.parent / "beam.inp").read_text() + "** <width>\n")
    with pytest.raises(Exception, match="no column fills <width>"):
        with load(path).models():
            pass


def test_submitting_a_study_again_with_its_request_id_makes_nothing_twice(cluster, tmp_path):
    plan = load(study(tmp_path, [f"r{i},5.,500.,1" for i in range(3)], parallelism=2))
    with cluster.client() as client:
        first = client.submit_batch(plan, request_id="study-7")
        again = client.submit_batch(plan, request_id="study-7")  # e.g. after a lost answer
        assert again.id == first.id and again.job_ids == first.job_ids and len(first.job_ids) == 3
        assert len(list(client.jobs())) == 3 and len(client.batches()) == 1


def test_a_study_that_cannot_be_submitted_whole_is_cancelled_and_names_the_job(cluster, tmp_path):
    path = study(tmp_path, [], parallelism=2)
    template = path.parent / "beam.inp"
    template.write_text(template.read_text().replace("input=beam_material.inp", "input=<material>"))
    (path.parent / "beams.csv").write_text("name,thickness,load,seconds,material\n"
                                           "fine,5.,500.,1,beam_material.inp\nlost,5.,500.,1,gone.inp\n")
    with cluster.client() as client:
        with pytest.raises(Exception, match=r"job lost \(2 of 2\): .*gone.inp: no such file.*was cancelled"):
            client.submit_batch(load(path))
        [batch] = client.batches()
        assert batch.cancelled and batch.progress.finished and batch.progress.total_jobs == 1
        assert [j.state for j in client.jobs()] == [JobState.CANCELLED]  # the one queued before


def test_jobs_join_only_their_owners_open_batch_with_clear_errors(cluster, tmp_path):
    from client import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
    model = tmp_path / "study" / "beam.inp"
    study(tmp_path, ["x,5.,500.,1"], 1)
    with cluster.client() as ana, cluster.client("bob") as bob:
        batch = ana.create_batch("mine", parallelism=2, expected_jobs=2)
        with pytest.raises(NotFound, match="batch 'nope' not found"):
            ana.submit(model, 1, batch_id="nope")
        with pytest.raises(NotFound):  # another's batch does not exist for bob
            bob.submit(model, 1, batch_id=batch.id)
        with pytest.raises(InvalidArgument, match="parallelism"):
            ana.create_batch("bad", parallelism=0, expected_jobs=1)
        ana.cancel_batch(batch.id)
        with pytest.raises(FailedPrecondition, match="batch_id: .* was cancelled"):
            ana.submit(model, 1, batch_id=batch.id)
    with cluster.client("lea", Role.ADMIN) as admin:
        with pytest.raises(PermissionDenied, match="only they add jobs"):
            admin.submit(model, 1, batch_id=batch.id)
