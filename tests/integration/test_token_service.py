"""The token service through the real submission port: the Python library and the CLI."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import grpc
import pytest

from abaqueue.v1 import token_service_pb2 as tok
from abaqueue.v1 import token_service_pb2_grpc as tok_grpc
from client import Client, InvalidArgument, NotFound, PermissionDenied, Role, Unauthenticated
from client.api import open_channel
from client.cli import main as cli
from scheduler.domain.identity import Role as DomainRole


@pytest.fixture
def admin(cluster):
    with cluster.client("root", DomainRole.ADMIN) as c:
        yield c


def test_an_admin_creates_a_token_that_works_and_can_be_revoked(cluster, admin):
    secret, info = admin.create_token("ana", Role.DEVELOPER, team="crash", ttl=timedelta(days=30),
                                      description="laptop")
    assert secret.startswith("abq_") and info.user == "ana" and info.role is Role.DEVELOPER
    assert info.team == "crash" and not info.revoked
    assert timedelta(days=29) < info.expire_time - info.create_time <= timedelta(days=30)
    with Client(cluster.submission, token=secret) as ana:
        assert list(ana.list()) == []
        assert [t.token_id for t in ana.list_tokens()] == [info.token_id]  # only her own
        with pytest.raises(PermissionDenied):
            ana.create_token("ana", Role.ADMIN)
        with pytest.raises(PermissionDenied):
            ana.renew_token(info.token_id, timedelta(days=1))
        assert ana.revoke_token(info.token_id).revoked
        with pytest.raises(Unauthenticated):
            list(ana.list())
    listed = {t.token_id: t for t in admin.list_tokens()}
    assert listed[info.token_id].revoked and len(listed) >= 2
    assert admin.renew_token(info.token_id, timedelta(days=1)).revoked  # renewing does not un-revoke


def test_others_tokens_do_not_exist_for_a_user(cluster, admin):
    _, bens = admin.create_token("ben", Role.DEVELOPER)
    secret, _ = admin.create_token("ana", Role.DEVELOPER)
    with Client(cluster.submission, token=secret) as ana:
        assert ana.list_tokens("ben") == []
        with pytest.raises(NotFound):
            ana.revoke_token(bens.token_id)
    assert not {t.token_id: t for t in admin.list_tokens("ben")}[bens.token_id].revoked


@pytest.mark.parametrize(("kwargs", "field"), [
    (dict(user="", role=Role.GUEST), "user"),
    (dict(user="a b", role=Role.GUEST), "user"),
    (dict(user="ana", role=Role.GUEST, team="x/y"), "team"),
    (dict(user="ana", role=Role.GUEST, ttl=timedelta(seconds=-1)), "ttl"),
    (dict(user="ana", role=Role.GUEST, description="\x00"), "description"),
])
def test_bad_token_requests_name_the_field(admin, kwargs, field):
    before = len(admin.list_tokens())
    with pytest.raises(InvalidArgument) as e:
        admin.create_token(**kwargs)
    assert e.value.message.startswith(f"{field}:")
    assert len(admin.list_tokens()) == before


def test_unknown_tokens_are_not_found(admin):
    for call in (admin.revoke_token, lambda i: admin.renew_token(i, timedelta(days=1))):
        with pytest.raises(NotFound):
            call("0123456789abcdef")


def test_the_cli_prints_the_secret_alone_and_lists_tokens(cluster, capsys, tmp_path):
    admin_file = tmp_path / "admin.token"
    admin_file.write_text(cluster.token("root", DomainRole.ADMIN))
    base = ["--scheduler", cluster.submission, "--token-file", str(admin_file), "admin", "tokens"]
    assert cli([*base, "create", "--user", "node-9", "--role", "node", "--ttl-days", "90"]) == 0
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("abq_") and "\n" not in secret and "cannot be shown again" in err
    assert cli([*base, "list", "--json", "--user", "node-9"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["user"] == "node-9" and listed["role"] == "node" and listed["expire_time"]
    assert cli([*base, "revoke", listed["token_id"]]) == 0
    assert "revoked" in capsys.readouterr().out
    assert cli([*base, "create", "--user", "x", "--role", "wizard"]) == 2
    assert "unknown role" in capsys.readouterr().err


def test_lookup_by_hash_is_for_admins_and_names_a_bad_hash(cluster):
    secret = cluster.token("ana")
    token_hash = hashlib.sha256(secret.encode()).hexdigest()

    def lookup(token: str, token_sha256: str):
        stub = tok_grpc.TokenServiceStub(open_channel(cluster.submission, token))
        return stub.LookupToken(tok.LookupTokenRequest(token_sha256=token_sha256), timeout=10)

    admin = cluster.token("root", DomainRole.ADMIN)
    info = lookup(admin, token_hash).info
    assert info.user == "ana" and info.role == tok.ROLE_DEVELOPER and info.token_id == token_hash[:16]
    for token, asked, code in [
        (secret, token_hash, grpc.StatusCode.PERMISSION_DENIED),  # not even one's own: admins only
        (admin, "0" * 64, grpc.StatusCode.NOT_FOUND),
        (admin, token_hash.upper(), grpc.StatusCode.INVALID_ARGUMENT),
        (admin, token_hash[:16], grpc.StatusCode.INVALID_ARGUMENT),
    ]:
        with pytest.raises(grpc.RpcError) as refused:
            lookup(token, asked)
        assert refused.value.code() is code
        if code is grpc.StatusCode.INVALID_ARGUMENT:
            assert refused.value.details().startswith("token_sha256:")
