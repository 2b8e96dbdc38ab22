"""The database: one engine, read connections, and serialized write transactions.

Writes take one process-wide lock, so every API call that changes state runs
as a single transaction after the previous one committed: a refused or failed
call rolls back and leaves nothing behind. Reads run concurrently (SQLite in
WAL mode; PostgreSQL's MVCC).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from oneedge.db.schema import pool_control

_ON_COMMIT = "oneedge.on_commit"
# NOTE: built once, values bound at execution (SQLAlchemy's compiled cache then skips
# rebuilding them): next_oid and reserve_oid run in every allocation.
_LAST_OID = sa.select(pool_control.c.last_oid).where(pool_control.c.tablename == sa.bindparam("w_table"))
_SET_LAST_OID = sa.update(pool_control).where(pool_control.c.tablename == sa.bindparam("w_table"))
_READ_ONLY = "oneedge_read_only"


def sqlite_url(path: str) -> str:
    return f"sqlite+pysqlite:///{path}"


def postgresql_url(server: str, port: int, user: str, password: str, database: str) -> str:
    return sa.engine.URL.create(
        "postgresql+psycopg", username=user, password=password, host=server, port=port, database=database
    ).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # NOTE: pysqlite's own transaction handling commits before DDL and never
    # begins before SELECT; turn it off and let SQLAlchemy's "begin" event
    # issue BEGIN, so every transaction (migrations included) is atomic.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Reads run statement by statement (each SELECT sees committed data in
    # WAL mode); write transactions take the database's write lock at once:
    # a deferred BEGIN that reads first could not upgrade to writing after
    # another process (the monitor daemon) committed, and would fail at once
    # with "database is locked" instead of waiting for the busy timeout.
    if not conn.get_execution_options().get(_READ_ONLY):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    def __init__(self, url: str, timeout_ms: int = 2500) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine: Engine = sa.create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": timeout_ms / 1000},
                pool_size=32,
                max_overflow=64,
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = sa.create_engine(url, pool_size=16, max_overflow=32, pool_pre_ping=True)
        self._write_lock = threading.RLock()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(**{_READ_ONLY: True})
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One serialized transaction: committed on success, rolled back on any exception.

        Callbacks registered with :meth:`on_commit` run after the commit, so
        in-memory caches only ever see committed state.
        """
        with self._write_lock:
            callbacks: list[Callable[[], None]] = []
            with self.engine.begin() as conn:
                conn.info[_ON_COMMIT] = callbacks
                try:
                    yield conn
                finally:
                    del conn.info[_ON_COMMIT]
            for callback in callbacks:
                callback()

    @staticmethod
    @contextmanager
    def savepoint(conn: Connection) -> Iterator[None]:
        """A savepoint in the caller's transaction: what the block wrote is undone when it raises.

        Plain SQL (same-named savepoints nest): SQLAlchemy's ``begin_nested``
        compiles a statement for each new savepoint name, ~65 us against ~17 us,
        paid for every VM of a scheduler cycle and every driver result.
        """
        conn.exec_driver_sql("SAVEPOINT oneedge_item")
        try:
            yield
        except BaseException:
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT oneedge_item")
            conn.exec_driver_sql("RELEASE SAVEPOINT oneedge_item")
            raise
        conn.exec_driver_sql("RELEASE SAVEPOINT oneedge_item")

    @staticmethod
    def on_commit(conn: Connection, callback: Callable[[], None]) -> None:
        conn.info[_ON_COMMIT].append(callback)

    def next_oid(self, conn: Connection, table: str, first: int = 0) -> int:
        """Hand out the next ID of a pool (inside the caller's write transaction)."""
        last = conn.execute(_LAST_OID, {"w_table": table}).scalar_one_or_none()
        if last is None:
            oid = first
            conn.execute(sa.insert(pool_control).values(tablename=table, last_oid=oid))
        else:
            oid = max(last + 1, first)
            conn.execute(_SET_LAST_OID, {"w_table": table, "last_oid": oid})
        return oid

    def reserve_oid(self, conn: Connection, table: str, oid: int) -> None:
        """Record an explicitly chosen ID (bootstrap objects) so later IDs follow it."""
        last = conn.execute(_LAST_OID, {"w_table": table}).scalar_one_or_none()
        if last is None:
            conn.execute(sa.insert(pool_control).values(tablename=table, last_oid=oid))
        elif oid > last:
            conn.execute(_SET_LAST_OID, {"w_table": table, "last_oid": oid})

    def dispose(self) -> None:
        self.engine.dispose()
