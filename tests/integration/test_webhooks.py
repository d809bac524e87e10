"""Webhooks against a real HTTP receiver on loopback: a job's own and its owner's, signed with the
shared secret, retried after a failure, the start only when asked."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from client import FailedPrecondition, InvalidArgument, JobState, PermissionDenied
from tests.integration.models import beam
from tests.integration.test_stopping import wait_until

SECRET = "s3cret-for-webhooks"


class Receiver:
    """Records each POST; answers 500 to the first `fail_first` of them."""

    def __init__(self, fail_first: int = 0) -> None:
        self.got: list[tuple[dict, dict]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                payload = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((dict(self.headers), payload))
                failing = len(receiver.got) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[tuple[str, str]]:
        return [(json.loads(p)["event"], json.loads(p)["job"]["id"]) for _, p in self.got]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver(fail_first=1)
    yield r
    r.close()


@pytest.fixture
def secret_file(tmp_path):
    (tmp_path / "webhook.secret").write_text(SECRET)


@pytest.mark.parametrize("cluster", [{"webhook_secret_file": Path("webhook.secret")}], indirect=True)
def test_a_jobs_webhook_and_its_owners_are_posted_signed_and_retried(secret_file, cluster, receiver, tmp_path):
    model, _ = beam(tmp_path / "model", seconds=0.5, increments=1)
    cluster.add_agent("node-1", cpus=4)
    with cluster.client() as ana, cluster.client("bob") as bob:
        own = ana.wait(ana.submit(model, cpus=1, webhook=receiver.url, webhook_on_start=True).id)
        wait_until(lambda: len(receiver.events()) == 3, timeout=30, what="start (failed once, sent again) and end")
        ana.set_webhook(receiver.url)  # for ana's jobs that name none: their ends only
        plain = ana.wait(ana.submit(model, cpus=1).id)
        wait_until(lambda: ("job.completed", plain.id) in receiver.events(), what="the owner's webhook")
        other = bob.wait(bob.submit(model, cpus=1).id)  # bob has none
        with pytest.raises(PermissionDenied, match="user: only admins"):
            bob.set_webhook(receiver.url, user="ana")
        with pytest.raises(InvalidArgument, match="webhook.url"):
            ana.set_webhook("ftp://example.com/x")
        ana.set_webhook("")  # removed
        last = ana.wait(ana.submit(model, cpus=1).id)
    assert own.state is plain.state is other.state is last.state is JobState.COMPLETED
    events = receiver.events()
    # the first try failed and was sent again; deliveries are not ordered (several go at once)
    assert sorted(events[:3]) == [("job.completed", own.id), ("job.started", own.id), ("job.started", own.id)]
    assert ("job.started", plain.id) not in events and all(job != other.id and job != last.id for _, job in events)
    for headers, payload in receiver.got:  # every try signed with the shared secret
        expected = "sha256=" + hmac.new(SECRET.encode(), payload, hashlib.sha256).hexdigest()
        assert headers["X-Abaqueue-Signature"] == expected
    started = [h["X-Abaqueue-Delivery"] for h, p in receiver.got if json.loads(p)["event"] == "job.started"]
    assert len(started) == 2 and len(set(started)) == 1  # the same delivery, tried twice
    done = next(json.loads(p) for _, p in receiver.got if json.loads(p)["event"] == "job.completed")
    assert done["job"]["state"] == "COMPLETED" and done["job"]["owner"] == "ana" and "beam.odb" in done["job"][
        "result_files"]


def test_without_a_secret_no_webhook_is_accepted(cluster, tmp_path):
    model, _ = beam(tmp_path / "model")
    with cluster.client() as ana:
        with pytest.raises(FailedPrecondition, match="sends no webhooks"):
            ana.submit(model, cpus=1, webhook="https://example.com/hook")
        with pytest.raises(FailedPrecondition, match="sends no webhooks"):
            ana.set_webhook("https://example.com/hook")
