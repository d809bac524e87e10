"""The backend status document: what holds a job or a node, unified backends, and what is refused."""

from __future__ import annotations

import pytest

from scheduler.domain.backends import BackendStatus, Status

DOC = """
[backends."2024"]
status = "maintenance"
description = "FlexNet upgrade"

[backends.osaka]
status = "unavailable"

[backends."2023"]
status = "available"
"""


def test_a_job_is_held_by_its_version_or_its_exact_pool_and_a_node_by_its_pool():
    status = BackendStatus.parse(DOC)
    assert status.holding_job("2024", ()).status is Status.MAINTENANCE
    assert status.holding_job("2023", ()) is None and status.holding_job("", ()) is None
    assert status.holding_job("", (("pool", "osaka"),)).name == "osaka"
    assert status.holding_job("", (("pool", "osa*"),)) is None  # a glob names no one pool
    assert status.holding_node({"pool": "osaka"}).status is Status.UNAVAILABLE
    assert status.holding_node({"site": "osaka"}) is None
    assert status.holding_node({}, ("2024",)).name == "2024"  # its only version is in maintenance
    assert status.holding_node({}, ("2024", "2023")) is None  # it still runs 2023 jobs
    assert status.holding_job("2024", ()).sentence() == "backend 2024 is in maintenance: FlexNet upgrade"


def test_unified_backends_are_one_named_default():
    status = BackendStatus.parse(DOC + '[backends.default]\nstatus = "maintenance"\n', unified=True)
    assert status.holding_job("", ()).name == "default" and status.holding_job("2023", ()).name == "default"
    assert status.holding_node({}).name == "default"
    assert BackendStatus.parse(DOC, unified=True).holding_job("2024", ()) is None  # only default counts


@pytest.mark.parametrize("text, message", [
    ("[backends.\n", "not TOML"),
    ('[backends.a]\nstatus = "down"\n', "backends.a.status: 'down' is not available, unavailable or maintenance"),
    ('[backends.a]\nstatus = "available"\nwhen = 1\n', "unknown key when"),
    ('backend = 1\n', "unknown key backend"),
])
def test_a_broken_document_is_refused_saying_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        BackendStatus.parse(text)
