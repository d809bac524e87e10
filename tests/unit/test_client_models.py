"""The client library against a fake scheduler (fake_submission.py): a real gRPC server on loopback
and a tiny blob store."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta, timezone
from pathlib import Path

import grpc
import pytest
from fake_submission import CREATED, FakeScheduler, S, closed_port, serve, sha256

from abaqueue.v1 import job_pb2
from client import (
    AbaqueueError,
    ChecksumMismatch,
    Client,
    ErrorClass,
    FailedPrecondition,
    FileInfo,
    InvalidArgument,
    Job,
    JobState,
    NotFound,
    Progress,
    Unavailable,
    WaitReason,
)


@pytest.fixture
def fake() -> Iterator[FakeScheduler]:
    with serve() as scheduler:
        yield scheduler


@pytest.fixture
def client(fake: FakeScheduler) -> Iterator[Client]:
    with Client(fake.address, timeout=5) as c:
        yield c


# --- models: from the API's messages to plain values ---

def test_job_from_proto_converts_every_field() -> None:
    msg = job_pb2.Job(
        id="j1", name="beam", cpus=8, input_file="beam.inp", state=S.JOB_STATE_FAILED, owner="ana",
        team="crash", attempt=2, node="win-07", error_message="license checkout failed",
        error_class=job_pb2.ERROR_CLASS_LICENSE, missing_files=["beam.odb"],
        wait_reasons=[job_pb2.WaitReason(code="user_limit", message="r1")], priority=20, effective_priority=30,
        license_tokens=12, required_labels={"site": "osaka-*"}, required_node="win-07", abaqus_version="2024",
        requires_approval=True, queue_position=3,
        input_files=[job_pb2.FileInfo(name="beam.inp", size_bytes=10, sha256="a" * 64)],
        result_files=[job_pb2.FileInfo(name="beam.msg", size_bytes=3, sha256="b" * 64)],
        progress=job_pb2.Progress(step=2, total_steps=3, increment=45, step_fraction=0.5,
                                  overall_fraction=0.75, waiting_for_license=True),
    )
    msg.progress.estimated_time_left.FromTimedelta(timedelta(minutes=2, seconds=30))
    msg.create_time.FromDatetime(CREATED)
    msg.start_time.FromDatetime(CREATED + timedelta(hours=1))
    msg.queue_time.FromDatetime(CREATED + timedelta(minutes=1))
    msg.estimated_start_time.FromDatetime(CREATED + timedelta(minutes=30))

    assert Job.from_proto(msg) == Job(
        id="j1", name="beam", cpus=8, input_file="beam.inp",
        input_files=(FileInfo("beam.inp", 10, "a" * 64),),
        state=JobState.FAILED, owner="ana", team="crash", attempt=2, node="win-07",
        progress=Progress(2, 3, 45, 0.5, 0.75, True, 150.0),
        create_time=CREATED, start_time=CREATED + timedelta(hours=1), end_time=None,
        error_message="license checkout failed", error_class=ErrorClass.LICENSE,
        result_files=(FileInfo("beam.msg", 3, "b" * 64),), reasons=(WaitReason("user_limit", "r1"),),
        missing_files=("beam.odb",), priority=20, effective_priority=30, license_tokens=12,
        required_labels={"site": "osaka-*"}, required_node="win-07", abaqus_version="2024",
        requires_approval=True, queue_position=3, estimated_start_time=CREATED + timedelta(minutes=30),
        queue_time=CREATED + timedelta(minutes=1),
    )
    assert Job.from_proto(msg).create_time.tzinfo == timezone.utc


def test_unset_fields_become_none_and_to_dict_is_json_ready() -> None:
    msg = job_pb2.Job(id="j2", name="plate", state=S.JOB_STATE_WAITING)
    msg.create_time.FromDatetime(CREATED)
    job = Job.from_proto(msg)
    assert (job.progress, job.start_time, job.end_time, job.error_class) == (None, None, None, None)

    data = json.loads(json.dumps(job.to_dict()))
    assert data["state"] == "WAITING"
    assert data["create_time"] == "2025-03-01T08:30:00+00:00"
    assert data["error_class"] is None and data["input_files"] == []


def test_job_states_round_trip_and_final_ones_are_marked() -> None:
    assert all(JobState.from_proto(s.to_proto()) is s for s in JobState)
    assert {s for s in JobState if s.is_final} == {
        JobState.COMPLETED, JobState.FAILED, JobState.MISSING, JobState.CANCELLED, JobState.TIMEOUT}
    with pytest.raises(ValueError, match="unknown job state 0"):
        JobState.from_proto(S.JOB_STATE_UNSPECIFIED)


# --- the client against the fake scheduler ---

def test_submit_uploads_every_file_and_queues_the_job(tmp_path: Path, fake: FakeScheduler,
                                                      client: Client) -> None:
    model, sub = tmp_path / "beam.inp", tmp_path / "umat.for"
    model.write_bytes(b"*HEADING\nbeam\n")
    sub.write_bytes(b"      SUBROUTINE UMAT\n" * 4000)  # 88 KB: over the inline limit, so uploaded

    job = client.submit(model, cpus=4, files=[sub])

    assert (job.state, job.name, job.input_file, job.cpus) == (JobState.WAITING, "beam", "beam.inp", 4)
    assert job.reasons == (WaitReason("no_free_cores", "no node has 4 free cores"),)
    request = fake.created[0]
    uuid.UUID(request.request_id)  # a fresh uuid4 makes the call safe to retry
    assert [(f.name, f.size_bytes, f.sha256) for f in request.input_files] == [
        (p.name, p.stat().st_size, sha256(p.read_bytes())) for p in (model, sub)]
    for p in (model, sub):
        assert fake.blobs.blobs[f"/in/{job.id}/{p.name}"] == p.read_bytes()
        assert fake.blobs.put_headers[f"/in/{job.id}/{p.name}"]["x-fake-signature"] == job.id


def test_a_small_job_goes_inline_and_create_job_alone_queues_it(tmp_path: Path, fake: FakeScheduler,
                                                                client: Client) -> None:
    model = tmp_path / "beam.inp"
    model.write_bytes(b"*HEADING\nbeam\n")
    job = client.submit(model, cpus=2)
    assert job.state is JobState.WAITING
    (request,) = fake.created
    assert [(f.name, f.content) for f in request.input_files] == [("beam.inp", model.read_bytes())]
    assert not fake.blobs.put_headers  # nothing uploaded, and no SubmitJob needed


def test_submit_passes_name_and_request_id(tmp_path: Path, fake: FakeScheduler, client: Client) -> None:
    model = tmp_path / "beam.inp"
    model.write_text("*HEADING\n")
    job = client.submit(model, cpus=2, name="beam-fine", request_id="retry-42")
    assert job.name == "beam-fine"
    assert fake.created[0].request_id == "retry-42"


def test_submit_refuses_two_files_with_one_name_before_calling(tmp_path: Path, fake: FakeScheduler,
                                                              client: Client) -> None:
    (tmp_path / "a").mkdir()
    for p in (tmp_path / "beam.inp", tmp_path / "sub.f", tmp_path / "a" / "SUB.f"):
        p.write_text("x")
    with pytest.raises(InvalidArgument, match="same name"):
        client.submit(tmp_path / "beam.inp", cpus=1,
                      files=[tmp_path / "sub.f", tmp_path / "a" / "SUB.f"])
    assert fake.created == []


def test_server_errors_keep_their_class_and_message(tmp_path: Path, fake: FakeScheduler,
                                                    client: Client) -> None:
    with pytest.raises(NotFound) as not_found:
        client.get("nope")
    assert (not_found.value.code, str(not_found.value)) == (grpc.StatusCode.NOT_FOUND, "job nope not found")

    model = tmp_path / "beam.inp"
    model.write_text("*HEADING\n")
    with pytest.raises(InvalidArgument, match=r"^cpus: 0 is out of range"):
        client.submit(model, cpus=0)

    done = fake.add_job(S.JOB_STATE_COMPLETED)
    with pytest.raises(FailedPrecondition, match="has already ended"):
        client.cancel(done.id)
    assert isinstance(not_found.value, AbaqueueError)


def test_unreachable_scheduler_raises_unavailable() -> None:
    with Client(f"127.0.0.1:{closed_port()}", timeout=3) as c, pytest.raises(Unavailable):
        c.get("any")


def test_list_follows_page_tokens_and_filters_by_state(fake: FakeScheduler, client: Client) -> None:
    added = [fake.add_job(S.JOB_STATE_RUNNING if i % 2 else S.JOB_STATE_WAITING) for i in range(5)]

    assert [j.id for j in client.list(page_size=2)] == [j.id for j in reversed(added)]
    assert fake.page_tokens == ["", "2", "4"]
    running = list(client.list(states=[JobState.RUNNING]))
    assert [j.id for j in running] == [added[3].id, added[1].id]


def test_cancel_returns_the_cancelled_job(fake: FakeScheduler, client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_RUNNING)
    assert client.cancel(job.id).state is JobState.CANCELLED
    assert fake.jobs[job.id].state == S.JOB_STATE_CANCELLED


def test_wait_reports_every_change_and_hangs_up_at_the_final_state(fake: FakeScheduler,
                                                                   client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_STARTING)
    fake.plan = [
        job_pb2.Job(state=S.JOB_STATE_RUNNING,
                    progress=job_pb2.Progress(step=1, total_steps=2, overall_fraction=0.25)),
        job_pb2.Job(progress=job_pb2.Progress(step=2, overall_fraction=0.9)),
        job_pb2.Job(state=S.JOB_STATE_COMPLETED, progress=job_pb2.Progress(overall_fraction=1.0)),
    ]
    seen: list[Job] = []

    final = client.wait(job.id, on_update=seen.append)

    assert final.state is JobState.COMPLETED
    assert [(j.state, j.progress.overall_fraction if j.progress else None) for j in seen] == [
        (JobState.STARTING, None), (JobState.RUNNING, 0.25), (JobState.RUNNING, 0.9),
        (JobState.COMPLETED, 1.0)]
    assert fake.watch_cancelled.wait(2) and not fake.watch_timed_out.is_set(), \
        "the client should hang up once the job is final, not wait for the server"


def test_wait_with_nothing_to_show_asks_for_the_final_state_only(fake: FakeScheduler, client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_STARTING)
    fake.plan = [job_pb2.Job(state=S.JOB_STATE_RUNNING), job_pb2.Job(state=S.JOB_STATE_COMPLETED)]

    final = client.wait(job.id)
    fake.watch_cancelled.wait(2)
    followed = client.wait(job.id, on_update=lambda j: None)

    assert final.state is followed.state is JobState.COMPLETED
    assert [r.final_only for r in fake.watched] == [True, False]


def test_wait_raises_when_the_stream_ends_before_the_job_does(fake: FakeScheduler, client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_RUNNING)
    fake.hold_watch_open = False
    with pytest.raises(AbaqueueError, match="before it finished"):
        client.wait(job.id)


def test_watch_of_an_unknown_job_raises_not_found(client: Client) -> None:
    with pytest.raises(NotFound, match="job nope not found"):
        list(client.watch("nope"))


def test_download_results_verifies_and_filters_by_suffix(tmp_path: Path, fake: FakeScheduler,
                                                        client: Client) -> None:
    results = {"beam.odb": b"\x00odb" * 5000, "beam.dat": b"dat\n", "beam.msg": b"msg\n"}
    job = fake.add_job(S.JOB_STATE_COMPLETED, results=results)

    paths = client.download_results(job.id, tmp_path / "out", only=[".ODB", ".dat"])

    assert paths == [tmp_path / "out" / "beam.odb", tmp_path / "out" / "beam.dat"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == {
        n: results[n] for n in ("beam.odb", "beam.dat")}


def test_download_rejects_a_corrupted_file_and_deletes_it(tmp_path: Path, fake: FakeScheduler,
                                                          client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_COMPLETED, results={"beam.dat": b"good\n", "beam.odb": b"good odb"})
    fake.blobs.blobs[f"/out/{job.id}/beam.odb"] = b"bad odb!"  # same size, other bytes

    with pytest.raises(ChecksumMismatch, match="beam.odb arrived damaged"):
        client.download_results(job.id, tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["beam.dat"]


def test_download_refuses_a_file_name_that_escapes_dest(tmp_path: Path, fake: FakeScheduler,
                                                        client: Client) -> None:
    job = fake.add_job(S.JOB_STATE_COMPLETED, results={"../evil.bat": b"echo pwned"})
    with pytest.raises(AbaqueueError, match="unsafe name"):
        client.download_results(job.id, tmp_path / "out")
    assert not (tmp_path / "evil.bat").exists()
