"""Per-role job size limits and the per-user submission rate: RESOURCE_EXHAUSTED, nothing stored."""

from __future__ import annotations

import pytest

from client import ResourceExhausted
from scheduler.domain.identity import Role
from scheduler.domain.limits import RoleLimits

SMALL_GUESTS = RoleLimits(max_job_bytes={Role.ADMIN: 10**9, Role.DEVELOPER: 10**6, Role.GUEST: 100})


@pytest.mark.parametrize("cluster", [{"role_limits": SMALL_GUESTS}], indirect=True)
def test_a_job_over_the_role_size_limit_is_refused_before_anything_is_stored(cluster, tmp_path):
    model = tmp_path / "big.inp"
    model.write_bytes(b"*Heading\n" + b"** padding\n" * 20)  # 229 bytes
    with cluster.client("gus", Role.GUEST) as guest, pytest.raises(ResourceExhausted) as e:
        guest.submit(model, cpus=1)
    assert e.value.message.startswith("input_files:") and "guest limit of 100 bytes" in e.value.message
    with cluster.client("root", Role.ADMIN) as admin:
        assert list(admin.list()) == []
    with cluster.client("dev", Role.DEVELOPER) as dev:  # the same model is fine for a developer
        assert dev.submit(model, cpus=1).state.value == "WAITING"


@pytest.mark.parametrize("cluster", [{"submit_rate_per_s": 0.5, "submit_burst": 2}], indirect=True)
def test_a_burst_over_the_rate_is_told_when_to_retry_and_other_users_are_not_slowed(cluster, tmp_path):
    model = tmp_path / "m.inp"
    model.write_bytes(b"*Heading\n")
    with cluster.client("ana") as ana, cluster.client("ben") as ben:
        ana.submit(model, cpus=1)
        ana.submit(model, cpus=1)
        with pytest.raises(ResourceExhausted) as e:
            ana.submit(model, cpus=1)
        assert "retry in" in e.value.message
        assert ben.submit(model, cpus=1).owner == "ben"
        assert len(list(ana.list())) == 2
