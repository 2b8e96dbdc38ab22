"""Store transactions, ID allocation and schema migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from oneedge.db import migrate
from oneedge.db.schema import db_versioning, pool_control
from oneedge.db.store import Store, sqlite_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = sqlite_url(str(tmp_path / "one.db"))
    else:
        url = request.getfixturevalue("pg_server").new_database().render_as_string(hide_password=False)
    store = Store(url)
    migrate.upgrade(store)
    yield store
    store.dispose()


def test_ids_increase_and_skip_reserved(store):
    with store.write() as conn:
        assert store.next_oid(conn, "t", first=100) == 100
        assert store.next_oid(conn, "t", first=100) == 101
        store.reserve_oid(conn, "u", 0)
        assert store.next_oid(conn, "u", first=5) == 5
        assert store.next_oid(conn, "u") == 6


def test_failed_transaction_rolls_back_and_skips_callbacks(store):
    seen: list[str] = []

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with store.write() as conn:
            store.next_oid(conn, "t")
            store.on_commit(conn, lambda: seen.append("committed"))
            raise Boom
    with store.read() as conn:
        assert conn.execute(sa.select(pool_control).where(pool_control.c.tablename == "t")).first() is None
    assert seen == []
    with store.write() as conn:
        store.next_oid(conn, "t")
        store.on_commit(conn, lambda: seen.append("committed"))
        assert seen == []
    assert seen == ["committed"]


def test_a_savepoint_undoes_only_its_block(store):
    class Boom(Exception):
        pass

    with store.write() as conn:
        assert store.next_oid(conn, "t") == 0
        with store.savepoint(conn):
            assert store.next_oid(conn, "t") == 1
            with pytest.raises(Boom):
                with store.savepoint(conn):  # nested, the same name
                    store.next_oid(conn, "t")
                    raise Boom
        with pytest.raises(Boom):
            with store.savepoint(conn):
                store.next_oid(conn, "t")
                raise Boom
        assert store.next_oid(conn, "t") == 2
    with store.read() as conn:
        last = conn.execute(sa.select(pool_control.c.last_oid).where(pool_control.c.tablename == "t")).scalar()
    assert last == 2


def test_migrations_run_in_order_and_record_versions(store):
    ran: list[int] = []

    def step(n: int):
        def run(conn):
            ran.append(n)
            conn.execute(sa.text(f"CREATE TABLE mig_{n} (x INTEGER)"))
        return run

    steps = {1: step(1), 2: step(2)}
    assert migrate.upgrade(store, target=3, migrations=steps) == 1
    assert ran == [1, 2]
    with store.read() as conn:
        assert migrate.current_version(conn) == 3
        assert sa.inspect(conn).has_table("mig_2")
    assert migrate.upgrade(store, target=3, migrations=steps) == 3
    assert ran == [1, 2]


def test_failed_migration_keeps_previous_version(store):
    def broken(conn):
        conn.execute(sa.text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        migrate.upgrade(store, target=2, migrations={1: broken})
    with store.read() as conn:
        assert migrate.current_version(conn) == 1
        assert not sa.inspect(conn).has_table("half_done")


def test_newer_database_and_missing_steps_are_refused(store):
    with pytest.raises(migrate.SchemaError, match="no migration from schema version 1"):
        migrate.upgrade(store, target=2, migrations={})
    with store.write() as conn:
        conn.execute(sa.insert(db_versioning).values(oid=99, version=7, timestamp=0, comment="future"))
    with pytest.raises(migrate.SchemaError, match="newer than this oneedge"):
        migrate.upgrade(store)


def _contend(store: Store, table: str) -> None:
    """Transactions that read, pause, then write: the window where a deferred transaction
    would lose the race against another process's commit."""
    import time

    for _ in range(100):
        with store.write() as conn:
            store.next_oid(conn, table + "-probe")
            time.sleep(0.002)
            store.next_oid(conn, table)


def test_sqlite_writers_in_two_processes_wait_for_each_other(tmp_path):
    """A write transaction that reads before writing must not fail when another process
    commits in between (it would with a deferred BEGIN in WAL mode)."""
    import subprocess
    import sys
    from pathlib import Path

    url = sqlite_url(str(tmp_path / "one.db"))
    store = Store(url, timeout_ms=10_000)
    migrate.upgrade(store)
    other = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
             f"from test_store import _contend, Store\n_contend(Store({url!r}, timeout_ms=10_000), 'other')\n")
    process = subprocess.Popen([sys.executable, "-c", other])
    try:
        _contend(store, "mine")
    finally:
        assert process.wait(60) == 0
    with store.read() as conn:
        values = dict(conn.execute(sa.select(pool_control.c.tablename, pool_control.c.last_oid)).all())
    assert values["mine"] == values["other"] == 99
    store.dispose()
