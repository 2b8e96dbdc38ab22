"""Schema versions and the migrations between them.

A new database gets the current schema and version in one step. An existing
one is migrated step by step, each step in its own transaction, so a failed
step leaves the database at the previous version. A database newer than the
code is refused rather than touched.
"""

from __future__ import annotations

import time
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from oneedge.db.schema import db_versioning, metadata
from oneedge.db.store import Store

#: Migration from version N to N+1, keyed by N.
Migration = Callable[[Connection], None]
MIGRATIONS: dict[int, Migration] = {}

SCHEMA_VERSION = 1


class SchemaError(RuntimeError):
    pass


def current_version(conn: Connection) -> int | None:
    if not sa.inspect(conn).has_table(db_versioning.name):
        return None
    return conn.execute(sa.select(sa.func.max(db_versioning.c.version))).scalar_one_or_none()


def _record(conn: Connection, version: int, comment: str) -> None:
    oid = conn.execute(sa.select(sa.func.coalesce(sa.func.max(db_versioning.c.oid), -1))).scalar_one() + 1
    conn.execute(
        sa.insert(db_versioning).values(oid=oid, version=version, timestamp=int(time.time()), comment=comment)
    )


def upgrade(store: Store, target: int = SCHEMA_VERSION, migrations: dict[int, Migration] | None = None) -> int:
    """Bring the database to ``target``; returns the version it was at (0 if new)."""
    steps = MIGRATIONS if migrations is None else migrations
    with store.write() as conn:
        found = current_version(conn)
        if found is None:
            metadata.create_all(conn)
            _record(conn, target, "Database created")
            return 0
    if found > target:
        raise SchemaError(f"database schema version {found} is newer than this oneedge ({target})")
    for version in range(found, target):
        if version not in steps:
            raise SchemaError(f"no migration from schema version {version} to {version + 1}")
        with store.write() as conn:
            steps[version](conn)
            _record(conn, version + 1, f"Migrated from {version}")
    return found
