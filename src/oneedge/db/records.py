"""Queries over monitoring-record tables (host and VM monitoring share their shape)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def records(conn: Connection, table: sa.Table, key: str, stamp: str, ids: sa.Select | list[int],
            seconds: int, now: int) -> list[str]:
    """Bodies of the records of ``ids`` (column ``key``), by object then time (column ``stamp``):
    all of them (``seconds`` -1), the last of each (0), or those of the last ``seconds``."""
    obj, at = table.c[key], table.c[stamp]
    query = sa.select(table.c.body).where(obj.in_(ids))
    if seconds == 0:
        latest = sa.select(obj.label("oid"), sa.func.max(at).label("t")).group_by(obj).subquery()
        query = query.join(latest, sa.and_(latest.c.oid == obj, latest.c.t == at))
    elif seconds > 0:
        query = query.where(at > now - seconds)
    return list(conn.execute(query.order_by(obj, at)).scalars())
