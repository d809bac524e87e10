"""Every contract test runs against every backend."""

from __future__ import annotations

import pytest

from scheduler.store import SqliteStore

BACKENDS = {"sqlite": lambda tmp_path: SqliteStore(tmp_path / "store.sqlite3")}


@pytest.fixture(params=sorted(BACKENDS))
def store(request, tmp_path):
    backend = BACKENDS[request.param](tmp_path)
    yield backend
    backend.close()
