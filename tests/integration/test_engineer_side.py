"""The engineer's side against a live cluster: includes found and uploaded, waiting with progress,
an event stream that survives a cut connection, listings with -o and JSON, dry runs and --no-wait."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from client import Client, FailedPrecondition, JobState
from client.models import EventKind
from scheduler.domain.identity import Role
from tests.integration.models import beam


class CuttableProxy:
    """A TCP forwarder on loopback whose open connections can be cut at once (new ones still pass)."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self.lock:
            for s in self.connections:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.connections.clear()
            self.cuts += 1

    def close(self) -> None:
        self.listener.close()
        self.cut()


def key(event) -> tuple:
    number = event.log_line.seq if event.log_line else None
    return event.kind, number, event.job.state if event.job else None, event.warning, \
        event.progress.increment if event.progress else None


def nested_model(tmp_path: Path, **sim) -> Path:
    """The beam with its material beside it and a second include in a folder below it."""
    model, _ = beam(tmp_path / "model", **sim)
    (model.parent / "loads").mkdir()
    (model.parent / "loads" / "tip.inp").write_text("** the tip load lives here\n")
    model.write_text(model.read_text().replace("*Step", "*Include, input=loads/tip.inp\n*Step", 1))
    return model


def test_includes_are_found_and_uploaded_and_the_job_waited_for_with_progress(cluster, tmp_path, capfd):
    model = nested_model(tmp_path, seconds=1, increments=3)
    cluster.add_agent("node-1", cpus=4)
    with cluster.client() as client:
        job = client.submit(model, cpus=2, priority="normal", timeout=600, max_attempts=2)  # no files given
        assert {f.name for f in job.input_files} == {"beam.inp", "beam_material.inp", "beam-includes.zip"}
        assert job.max_attempts == 2 and job.solver.timeout_s == 600
        seen = []
        final = job.wait(progress=True, on_update=seen.append)
    assert final.state is JobState.COMPLETED, final.error_message
    assert any(j.state is JobState.RUNNING for j in seen)
    assert "beam" in capfd.readouterr().err  # the bar, on stderr


def test_a_missing_include_is_refused_before_anything_is_created(cluster, tmp_path):
    model, _ = beam(tmp_path / "model")
    (model.parent / "beam_material.inp").unlink()
    with cluster.client() as client:
        with pytest.raises(Exception, match=r"beam.inp line \d+: \*include, input=beam_material.inp: no such file"):
            client.submit(model, cpus=1)
        assert list(client.jobs()) == []


def test_watching_through_a_cut_connection_misses_nothing_and_repeats_nothing(cluster, tmp_path):
    model, _ = beam(tmp_path / "model", seconds=3, increments=8)
    proxy = CuttableProxy(cluster.submission)
    token = cluster.token()
    try:
        with Client(cluster.submission, token=token) as direct, \
                Client(proxy.address, token=token, sleep=lambda s: None) as cut:
            job = direct.submit(model, cpus=2)
            reference, got = [], []
            opened = [threading.Event(), threading.Event()]

            def follow(client: Client, into: list, opened: threading.Event, cut_at=()) -> None:
                for event in client.job_events(job.id):
                    into.append(event)
                    opened.set()
                    if len(into) in cut_at:  # mid-stream: the connection drops under the watcher
                        proxy.cut()

            watchers = [threading.Thread(target=follow, args=(direct, reference, opened[0])),
                        threading.Thread(target=follow, args=(cut, got, opened[1], (3, 12, 25)))]
            for w in watchers:
                w.start()
            assert all(o.wait(10) for o in opened)  # both began with the job waiting
            cluster.add_agent("node-1", cpus=4)
            for w in watchers:
                w.join(60)
    finally:
        proxy.close()
    assert proxy.cuts >= 3
    assert got[-1].kind is EventKind.JOB and got[-1].job.state is JobState.COMPLETED
    assert [key(e) for e in got] == [key(e) for e in reference]  # no gap, no repeat
    lines = [e.log_line.seq for e in got if e.log_line]
    assert lines == list(range(1, len(lines) + 1)) and len(lines) > 5
    assert any(e.kind is EventKind.PROGRESS for e in got)


def test_everyones_stream_resumes_from_a_cursor(cluster, tmp_path):
    model, _ = beam(tmp_path / "model", seconds=1, increments=2)
    with cluster.client() as client:
        first = client.submit(model, cpus=1)
        events = client.events()
        opening = next(events)
        assert opening.job_id == first.id and opening.job.state is JobState.WAITING
        second = client.submit(model, cpus=1)
        created = next(e for e in events if e.job_id == second.id)
        events.close()
        resumed = client.events(after=opening.cursor)
        again = next(e for e in resumed if e.job_id == second.id)
        resumed.close()
    assert key(again) == key(created) and again.cursor == created.cursor


def test_jobs_list_picks_fields_with_dots_and_prints_json_and_tables(cluster, tmp_path, capsys):
    model, _ = beam(tmp_path / "model", seconds=1, increments=2)
    with cluster.client() as ana, cluster.client("bob") as bob:
        mine = [ana.submit(model, cpus=1).id for _ in range(3)]
        bob.submit(model, cpus=1)
    code, out, _ = cluster.cli(capsys, "jobs", "list", "-o", "id,state,progress.overall,solver.time",
                           "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == mine[::-1]  # newest first, only ana's
    assert rows[0] == {"id": mine[-1], "state": "WAITING", "progress.overall": 0.0, "solver.time": 0.0}
    code, out, _ = cluster.cli(capsys, "jobs", "list", "-o", "id,state", "-l", "2")
    assert code == 0 and out.split()[:2] == ["ID", "STATE"] and len(out.strip().splitlines()) == 3
    code, out, _ = cluster.cli(capsys, "jobs", "list", "--user", "bob", "--json", user="root", role=Role.ADMIN)
    assert code == 0 and {j["owner"] for j in json.loads(out)} == {"bob"}
    code, _, err = cluster.cli(capsys, "jobs", "list", "--user", "bob")
    assert code == 2 and "owner" in err and "only their own" in err
    code, _, err = cluster.cli(capsys, "jobs", "list", "-o", "id,nosuch")
    assert code == 2 and "'nosuch' is not a field" in err and "state" in err
    code, _, err = cluster.cli(capsys, "jobs", "list", "-o", "id,progress.step")  # exact beats a start
    assert code == 0


def test_dry_run_reports_where_it_could_go_and_what_holds_it_and_stores_nothing(cluster, tmp_path, capsys):
    model, _ = beam(tmp_path / "model")
    cluster.add_agent("node-1", cpus=4)
    code, out, _ = cluster.cli(capsys, "submit", str(model), "--cpus", "2", "--dry-run")
    assert code == 0 and "node-1" in out and "start now" in out and "nothing was uploaded" in out
    code, out, _ = cluster.cli(capsys, "submit", str(model), "--cpus", "2", "--label", "gpu=a100*",
                           "--dry-run")
    assert code == 1 and "none could run it" in out and "no node has gpu=a100*" in out
    with cluster.client() as client:
        assert list(client.jobs()) == []


def test_no_wait_refuses_a_job_that_cannot_start_now_with_the_reasons(cluster, tmp_path, capsys):
    model, _ = beam(tmp_path / "model")
    code, _, err = cluster.cli(capsys, "submit", str(model), "--cpus", "2", "--no-wait")
    assert code == 2 and "cannot start now" in err and "no node is registered" in err
    with cluster.client() as client:
        assert list(client.jobs()) == []
        cluster.add_agent("node-1", cpus=4)
        job = client.submit(model, cpus=2, start_now=True)
        assert job.state is JobState.WAITING
        with pytest.raises(FailedPrecondition, match="start_now"):
            client.submit(model, cpus=2, labels={"gpu": "a100*"}, start_now=True)
