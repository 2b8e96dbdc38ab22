"""``one.cluster.*`` and ``one.clusterpool.info``, and the links between clusters and
their hosts (one cluster each), datastores and virtual networks (several each)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from oneedge.errors import action_error, allocate_error
from oneedge.pool import xml
from oneedge.pool.cluster import DEFAULT_CLUSTER_ID, FIRST_CLUSTER_ID, Cluster
from oneedge.pool.object import PoolObject
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.api.shared import ObjectAPI, check_name
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request


def object_clusters(obj: PoolObject) -> set[int]:
    """The clusters a host, datastore or network belongs to."""
    if obj.TYPE is ObjectType.HOST:
        return {obj.get_int("CLUSTER_ID", -1)} - {-1}
    return xml.id_set(obj.root.find("CLUSTERS"))


class ClusterAPI(ObjectAPI[Cluster]):
    KIND = ObjectType.CLUSTER
    PREFIX = "one.cluster"
    POOL_PREFIX = "one.clusterpool"
    POOL_ROOT = "CLUSTER_POOL"
    VERBS = ("info", "pool_info", "update", "rename", "delete")
    NAME_PER_OWNER = False
    DELETE_OP = AuthOp.ADMIN

    def bootstrap(self, conn: Connection, secrets: dict[str, str]) -> None:
        if not self.pool.exists(conn, DEFAULT_CLUSTER_ID):
            self.pool.allocate(conn, Cluster.new("default"), DEFAULT_CLUSTER_ID)

    # -- links, used by the APIs of hosts, datastores and networks too ----------------------
    def link(self, conn: Connection, cluster_id: int, obj: PoolObject) -> None:
        """Put ``obj`` in the cluster (a host leaves its previous one); caller saves ``obj``."""
        cluster = self.get(conn, cluster_id)
        kind = obj.TYPE
        if kind is ObjectType.HOST:
            old = obj.get_int("CLUSTER_ID", -1)
            if old not in (-1, cluster_id) and self.pool.exists(conn, old):
                self._remove_member(conn, old, kind, obj.oid)
            obj.set("CLUSTER_ID", cluster_id)
            obj.set("CLUSTER", cluster.name)
        else:
            node = obj.root.find("CLUSTERS")
            node.getparent().replace(node, xml.ids("CLUSTERS", xml.id_set(node) | {cluster_id}))
        cluster.set_members(kind, cluster.members(kind) | {obj.oid})
        self.pool.update(conn, cluster)

    def unlink(self, conn: Connection, cluster_id: int, obj: PoolObject) -> None:
        """Take ``obj`` out of the cluster; caller saves ``obj``. A host goes back to 'default'."""
        kind = obj.TYPE
        if cluster_id not in object_clusters(obj):
            raise action_error(f"{kind.label.capitalize()} {obj.oid} is not in cluster {cluster_id}", obj.oid)
        if kind is ObjectType.HOST:
            self.link(conn, DEFAULT_CLUSTER_ID, obj)
            return
        node = obj.root.find("CLUSTERS")
        node.getparent().replace(node, xml.ids("CLUSTERS", xml.id_set(node) - {cluster_id}))
        self._remove_member(conn, cluster_id, kind, obj.oid)

    def forget(self, conn: Connection, obj: PoolObject) -> None:
        """Drop a deleted object from every cluster that lists it."""
        for cluster_id in object_clusters(obj):
            if self.pool.exists(conn, cluster_id):
                self._remove_member(conn, cluster_id, obj.TYPE, obj.oid)

    def _remove_member(self, conn: Connection, cluster_id: int, kind: ObjectType, oid: int) -> None:
        cluster = self.get(conn, cluster_id)
        cluster.set_members(kind, cluster.members(kind) - {oid})
        self.pool.update(conn, cluster)

    # -- verbs ------------------------------------------------------------------------
    def allocate(self, req: Request, name: str) -> int:
        check_name(name)
        req.authorize_create(ObjectType.CLUSTER)
        with self.core.store.write() as conn:
            if self.pool.get_by_name(conn, name) is not None:
                raise allocate_error("cluster", "NAME is already taken by CLUSTER")
            return self.pool.allocate(conn, Cluster.new(name))

    def before_delete(self, req: Request, conn: Connection, obj: Cluster) -> None:
        if obj.oid < FIRST_CLUSTER_ID:
            raise action_error("System Clusters (ID < 100) cannot be deleted.", obj.oid)
        if not obj.is_empty():
            raise action_error("Cluster is not empty: remove its hosts, datastores and virtual networks first.",
                               obj.oid)

    def after_rename(self, req: Request, conn: Connection, obj: Cluster, old: str) -> None:
        hosts = self.core.pools[ObjectType.HOST]
        for host_id in obj.members(ObjectType.HOST):
            host = hosts.get(conn, host_id)
            host.set("CLUSTER", obj.name)
            hosts.update(conn, host)

    def _member_action(self, req: Request, kind: ObjectType, cluster_id: int, oid: int, add: bool) -> int:
        with self.core.store.write() as conn:
            cluster = self.get(conn, cluster_id)
            pool = self.core.pools[kind]
            obj = pool.get(conn, oid)
            self.authorize(req, conn, AuthOp.ADMIN, cluster)
            req.authorize(AuthOp.ADMIN, obj)
            if add:
                self.link(conn, cluster_id, obj)
            else:
                self.unlink(conn, cluster_id, obj)
            pool.update(conn, obj)
        return cluster_id

    def methods(self) -> list[Method]:
        def action(kind: ObjectType, add: bool):
            def run(req: Request, cluster_id: int, oid: int) -> int:
                return self._member_action(req, kind, cluster_id, oid, add)
            return run

        verbs = {"host": ObjectType.HOST, "datastore": ObjectType.DATASTORE, "vnet": ObjectType.NET}
        return [
            *super().methods(),
            method("one.cluster.allocate", self.allocate, str),
            *(method(f"one.cluster.{op}{noun}", action(kind, op == "add"), int, int)
              for noun, kind in verbs.items() for op in ("add", "del")),
        ]
