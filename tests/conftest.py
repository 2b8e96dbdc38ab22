"""Fixtures shared by every suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import frontend as fe
from support import postgres


@pytest.fixture(scope="module")
def frontend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fe.Frontend]:
    """A front-end with an empty embedded database, shared by the tests of one module."""
    home = tmp_path_factory.mktemp("home")
    running = fe.start(home)
    yield running
    assert running.stop() == 0, running.log()


@pytest.fixture
def fresh_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres.Server]:
    server = postgres.Server()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pg_frontend(tmp_path_factory: pytest.TempPathFactory, pg_server: postgres.Server) -> Iterator[fe.Frontend]:
    """A front-end whose oned.conf points at a fresh PostgreSQL database."""
    home = tmp_path_factory.mktemp("pghome")
    fe.write_conf(home, postgres.db_vector(pg_server.new_database()))
    running = fe.start(home)
    yield running
    assert running.stop() == 0, running.log()
