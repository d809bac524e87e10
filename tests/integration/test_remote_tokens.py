"""A scheduler whose tokens live in a token database elsewhere (`--address_to_token_database`):
a real `TokenDatabaseServer` and a real scheduler on loopback ports."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest

from client import Client, JobState, PermissionDenied, Role, Unauthenticated
from client.errors import AbaqueueError
from scheduler.blobs import S3Settings
from scheduler.config import RemoteTokenDatabase, SchedulerConfig
from scheduler.domain.identity import Principal
from scheduler.domain.identity import Role as DomainRole
from scheduler.server import SchedulerServer
from scheduler.token_database import TokenDatabaseServer
from scheduler.tokens import write_secret
from tests.integration.conftest import Cluster
from tests.integration.models import beam
from tests.integration.web_session import signed_in


class Clock:
    """Wall time, moved forward at will: the scheduler's view of when cached answers expire."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def token_db(loop_thread, tmp_path):
    server = TokenDatabaseServer(tmp_path / "tokens" / "tokens.sqlite3", port=0,
                                 admin_token_file=tmp_path / "tokens" / "admin.token")
    loop_thread.run(server.start())
    yield server
    loop_thread.run(server.stop(grace=0))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def remote_cluster(seaweed, loop_thread, tmp_path, token_db, clock):
    credential = tmp_path / "scheduler-at-tokendb.token"
    write_secret(credential, token_db.tokens.create(Principal("scheduler-a", DomainRole.ADMIN))[0])
    config = SchedulerConfig(
        s3=S3Settings(bucket=seaweed.bucket, endpoint_url=seaweed.endpoint, access_key_id=seaweed.access_key,
                      secret_access_key=seaweed.secret_key),
        database=tmp_path / "scheduler.sqlite3", admin_token_file=tmp_path / "admin.token",
        port_for_submission=0, port_for_execution=0, heartbeat_interval_s=0.5, long_poll_timeout_s=5,
        token_database=RemoteTokenDatabase(f"127.0.0.1:{token_db.port}", credential, cache_s=60), web_port=0)

    async def start():
        server = SchedulerServer(config, clock=clock)
        await server.start()
        return server

    c = Cluster(loop_thread.run(start()), loop_thread, tmp_path, book=token_db.tokens)
    yield c
    c.close()


def test_tokens_of_the_database_work_for_people_and_nodes_and_a_job_runs(remote_cluster, tmp_path):
    assert not (tmp_path / "admin.token").exists()  # no local bootstrap: tokens live elsewhere
    remote_cluster.add_agent("node-1")  # registers with a node token of the database
    model, extra = beam(tmp_path / "model", seconds=1, increments=1)
    with remote_cluster.client("ana") as ana:
        job = ana.wait(ana.submit(model, cpus=1, files=extra).id)
        assert job.state is JobState.COMPLETED and job.owner == "ana"
    with Client(remote_cluster.submission, token="abq_" + "0" * 64) as stranger, pytest.raises(Unauthenticated):
        list(stranger.list())
    with Client(remote_cluster.submission, token=remote_cluster.token("node-2", DomainRole.NODE)) as node:
        with pytest.raises(Unauthenticated):  # node tokens are for the execution port only
            list(node.list())


def test_token_management_is_forwarded_and_the_database_decides(remote_cluster, token_db):
    with remote_cluster.client("root", DomainRole.ADMIN) as admin:
        secret, info = admin.create_token("ben", Role.DEVELOPER, team="crash")
        assert info.token_id in {r.token_id for r in token_db.tokens.list("ben")}
        listed = {t.user for t in admin.list_tokens()}
        assert {"ben", "root", "scheduler-a"} <= listed
    with Client(remote_cluster.submission, token=secret) as ben:
        assert list(ben.list()) == []
        assert [t.token_id for t in ben.list_tokens()] == [info.token_id]
        with pytest.raises(PermissionDenied):
            ben.create_token("ben", Role.ADMIN)


def test_a_revocation_through_the_scheduler_counts_at_once_one_made_elsewhere_after_the_cache(
        remote_cluster, token_db, clock):
    with remote_cluster.client("root", DomainRole.ADMIN) as admin:
        ana_secret, ana_info = admin.create_token("ana", Role.DEVELOPER)
        ben_secret, ben_info = admin.create_token("ben", Role.DEVELOPER)
        with Client(remote_cluster.submission, token=ana_secret) as ana, \
                Client(remote_cluster.submission, token=ben_secret) as ben:
            list(ana.list()), list(ben.list())  # both answers now cached for 60 s
            admin.revoke_token(ana_info.token_id)  # through this scheduler
            with pytest.raises(Unauthenticated):
                list(ana.list())
            token_db.tokens.revoke(ben_info.token_id)  # at the database, behind this scheduler's back
            assert list(ben.list()) == []  # still cached
            clock.offset += 61
            with pytest.raises(Unauthenticated):
                list(ben.list())


def test_an_unreachable_token_database_answers_unavailable_not_unauthenticated(remote_cluster, token_db,
                                                                                loop_thread):
    secret = remote_cluster.token("ana")
    loop_thread.run(token_db.stop(grace=0))
    with Client(remote_cluster.submission, token=secret, timeout=15) as ana:
        with pytest.raises(AbaqueueError) as refused:
            list(ana.list())
        assert refused.value.code is grpc.StatusCode.UNAVAILABLE
        assert "token database" in str(refused.value)


def test_the_dashboard_manages_the_databases_tokens_as_the_signed_in_person(remote_cluster, token_db, loop_thread):
    web = f"http://127.0.0.1:{remote_cluster.server.web_port}"
    root = remote_cluster.token("root", DomainRole.ADMIN)

    async def as_root():
        s, me = await signed_in(web, root)
        async with s:
            act = {"Origin": web, "X-CSRF-Token": me["csrf"]}
            listed = await (await s.get(f"{web}/api/admin/tokens")).json()
            created = await s.post(f"{web}/api/admin/tokens", json={"user": "ben", "role": "developer",
                                                                     "team": "crash", "ttl_days": 7}, headers=act)
            no_user = await s.post(f"{web}/api/admin/tokens", json={"user": "", "role": "developer"}, headers=act)
            return (listed, created.status, (await created.text()).strip(), created.headers.get("X-Token-Id"),
                    no_user.status, (await no_user.json())["error"])

    listed, status, ben_secret, ben_id, no_user, no_user_error = asyncio.run(as_root())
    assert status == 200 and {"root", "scheduler-a"} <= {t["user"] for t in listed["tokens"]}
    assert no_user == 400 and no_user_error.startswith("user:")  # the database's own check, its field named
    stored = {r.token_id: r for r in token_db.tokens.list("ben")}
    assert ben_id in stored and stored[ben_id].principal.team == "crash" and stored[ben_id].expires is not None

    async def as_ben_then_root():
        ben, me = await signed_in(web, ben_secret)
        async with ben:
            act = {"Origin": web, "X-CSRF-Token": me["csrf"]}
            own = await (await ben.get(f"{web}/api/admin/tokens")).json()
            escalate = await ben.post(f"{web}/api/admin/tokens", json={"user": "ben", "role": "admin"}, headers=act)
            refused = (escalate.status, (await escalate.json())["error"])
            s, me = await signed_in(web, root)
            async with s:
                revoked = await (await s.post(f"{web}/api/admin/tokens/{ben_id}/revoke",
                                              headers={"Origin": web, "X-CSRF-Token": me["csrf"]})).json()
            after = (await ben.get(f"{web}/api/me")).status
        return own, refused, revoked, after

    own, refused, revoked, after = asyncio.run(as_ben_then_root())
    assert [t["token_id"] for t in own["tokens"]] == [ben_id]  # the database shows ben his own only
    assert refused[0] == 403 and len(token_db.tokens.list("ben")) == 1
    assert revoked["revoked"] is True and token_db.tokens.list("ben")[0].revoked
    assert after == 401  # at once, although the scheduler had ben's token cached for 60 s
    with Client(remote_cluster.submission, token=ben_secret) as ben, pytest.raises(Unauthenticated):
        list(ben.list())

    async def database_gone():
        s, _ = await signed_in(web, root)  # root's answer is cached: signing in needs no database
        async with s:
            loop_thread.run(token_db.stop(grace=0))
            answer = await s.get(f"{web}/api/admin/tokens")
            return answer.status, (await answer.json())["error"]

    assert asyncio.run(database_gone()) == (503, "the token database cannot be asked now (UNAVAILABLE); retry later")
