"""Table definitions shared by every pool.

Each pool table keeps the object's XML document in ``body`` and, beside it,
the columns that pool info filters need, as OpenNebula's own schema does.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: Last object ID handed out per pool: IDs are never reused, even after delete.
pool_control = sa.Table(
    "pool_control",
    metadata,
    sa.Column("tablename", sa.String(64), primary_key=True),
    sa.Column("last_oid", sa.BigInteger, nullable=False),
)

#: Schema version of the database, one row.
db_versioning = sa.Table(
    "db_versioning",
    metadata,
    sa.Column("oid", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
)


def pool_table(name: str, *extra: sa.Column) -> sa.Table:
    """A pool's table: oid, name, body, ownership and permission columns, then ``extra``."""
    return sa.Table(
        name,
        metadata,
        sa.Column("oid", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(128), nullable=False, index=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("uid", sa.Integer, nullable=False, index=True),
        sa.Column("gid", sa.Integer, nullable=False, index=True),
        sa.Column("owner_u", sa.Integer, nullable=False),
        sa.Column("group_u", sa.Integer, nullable=False),
        sa.Column("other_u", sa.Integer, nullable=False),
        *extra,
    )
