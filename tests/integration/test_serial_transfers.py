"""Two jobs on one node: they solve at the same time, but their files never move at the same time."""

from __future__ import annotations

import asyncio
import os
import threading
import time

from abaqueue import presigned_http
from client import JobState
from node_agent import solver
from tests.integration.models import beam


class Recorder:
    """Wraps the real HTTP pool of presigned requests and the solver's start to note when each
    request ran and for which job. The agent's requests run off the main thread (the client's, in
    the test's main thread, are not the node's transfers)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.transfers: list[tuple[str, float, float]] = []
        self.part_puts: dict[str, int] = {}
        self.solves: dict[str, list[float]] = {}

    def pool(self, real):
        recorder = self

        class Recording:
            def request(self, method, url, *args, **kwargs):
                if threading.current_thread() is threading.main_thread():
                    return real.request(method, url, *args, **kwargs)
                job_id = url.split("/jobs/")[1].split("/")[0]
                if "uploadId=" in url:
                    with recorder.lock:
                        recorder.part_puts[job_id] = recorder.part_puts.get(job_id, 0) + 1
                start = time.monotonic()

                def done() -> None:
                    with recorder.lock:
                        recorder.transfers.append((job_id, start, time.monotonic()))

                response = real.request(method, url, *args, **kwargs)
                if kwargs.get("preload_content", True):
                    done()
                else:  # a streamed body (a GET) moves until its connection is released
                    release = response.release_conn
                    response.release_conn = lambda: (release(), done())
                return response
        return Recording()

    def solver_start(self, real):
        async def wrapped(args, job_dir, *more):
            analysis = await real(args, job_dir, *more)
            key = job_dir.name
            self.solves[key] = [time.monotonic()]
            asyncio.ensure_future(analysis.launcher_exited()).add_done_callback(
                lambda _: self.solves[key].append(time.monotonic()))
            return analysis
        return staticmethod(wrapped)


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_two_jobs_on_one_node_solve_together_but_never_transfer_together(cluster, tmp_path, monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(presigned_http, "_POOL", rec.pool(presigned_http._POOL))
    monkeypatch.setattr(solver.Analysis, "start", rec.solver_start(solver.Analysis.start))
    cluster.add_agent("node-1", cpus=4, multipart_threshold_bytes=10 * 2**20, multipart_part_bytes=5 * 2**20)
    with cluster.client() as client:
        jobs = []
        for name in ("first", "second"):
            # the 40 MB .odb goes as a multipart upload of parallel parts
            model, extra = beam(tmp_path / name, name=name, seconds=3, increments=4, odb_kb=40_000)
            table = tmp_path / name / "table.dat"  # an input the node fetches in two ranges
            table.write_bytes(os.urandom(40 * 2**20))
            extra.append(table)
            jobs.append(client.submit(model, cpus=2, files=extra))
        finals = [client.wait(j.id) for j in jobs]
    assert [f.state for f in finals] == [JobState.COMPLETED, JobState.COMPLETED]

    ids = {j.id for j in jobs}
    assert {t[0] for t in rec.transfers} == ids
    assert all(rec.part_puts.get(job_id, 0) >= 8 for job_id in ids), rec.part_puts  # 40 MB in 5 MiB parts
    for i, (job_a, *span_a) in enumerate(rec.transfers):
        for job_b, *span_b in rec.transfers[i + 1:]:
            if job_a != job_b:
                assert not overlaps(span_a, span_b), (job_a, span_a, job_b, span_b)
    (a, b) = rec.solves.values()
    assert overlaps(a, b), "the two solvers should have run at the same time"
