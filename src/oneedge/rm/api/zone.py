"""``one.zone.info``, ``one.zonepool.info`` and ``one.zone.raftstatus`` of the single local zone.

Clients (the CLI, the Terraform provider, OneFlow) read the zone to learn the
API endpoint and the server's HA state. oneedge has no federation and no HA
servers: the zone's SERVER_POOL is empty and the Raft state is SOLO. Zone
allocation, update, rename, deletion and server management are not offered.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from oneedge.pool import xml
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.zone import LOCAL_ZONE_ID, LOCAL_ZONE_NAME, Zone, solo_raft_status
from oneedge.rm.api.shared import FILTER_ALL, ObjectAPI
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request


class ZoneAPI(ObjectAPI[Zone]):
    KIND = ObjectType.ZONE
    PREFIX = "one.zone"
    POOL_PREFIX = "one.zonepool"
    POOL_ROOT = "ZONE_POOL"
    VERBS = ("info",)
    NAME_PER_OWNER = False

    def bootstrap(self, conn: Connection, secrets: dict[str, str]) -> None:
        if not self.pool.exists(conn, LOCAL_ZONE_ID):
            self.pool.allocate(conn, Zone.new(LOCAL_ZONE_NAME, self.core.endpoint), LOCAL_ZONE_ID)

    def document(self, req: Request, conn: Connection, obj: Zone) -> str:
        # The local zone's ENDPOINT is where this front-end answers now, even
        # when started on another port than the database was created with.
        return obj.with_endpoint(self.core.endpoint) if obj.oid == LOCAL_ZONE_ID else obj.body()

    def pool_bodies(self, req: Request, conn: Connection, where: sa.ColumnElement[bool] | None,
                    offset: int, limit: int) -> list[str]:
        bodies = super().pool_bodies(req, conn, where, offset, limit)
        return [self.document(req, conn, Zone(xml.parse(body))) for body in bodies]

    def pool_info(self, req: Request) -> str:  # type: ignore[override]
        return super().pool_info(req, FILTER_ALL)

    def raftstatus(self, req: Request) -> str:
        with self.core.store.read() as conn:
            self.authorize(req, conn, AuthOp.USE, self.get(conn, LOCAL_ZONE_ID), check_lock=False)
        return solo_raft_status()

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.zonepool.info", self.pool_info),
            method("one.zone.raftstatus", self.raftstatus),
        ]
