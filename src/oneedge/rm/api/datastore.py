"""``one.datastore.*`` and ``one.datastorepool.info``, the bootstrap datastores and the
links between datastores and their images."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from oneedge.datastore import driver as ds_driver
from oneedge.datastore import layout
from oneedge.datastore.layout import Capacity
from oneedge.datastore.mads import DS_MADS, TM_MADS
from oneedge.errors import action_error, allocate_error
from oneedge.pool.cluster import DEFAULT_CLUSTER_ID
from oneedge.pool.datastore import (DEFAULT_DS_ID, FILES_DS_ID, SYSTEM_DS_ID, Datastore, DatastoreState,
                                    DatastoreType, DiskType)
from oneedge.pool.group import ONEADMIN_GID
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.user import ONEADMIN_UID
from oneedge.rm.api.cluster import ClusterAPI
from oneedge.rm.api.shared import ObjectAPI, check_name, parse_template
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import Template, VectorAttribute

#: Bootstrap datastores (DatastorePool.cc): ID, template; oneadmin's, umask 0137.
BOOTSTRAP = (
    (SYSTEM_DS_ID, 'NAME = "system"\nTYPE = "SYSTEM_DS"\nTM_MAD = "ssh"\n'),
    (DEFAULT_DS_ID, 'NAME = "default"\nTYPE = "IMAGE_DS"\nDS_MAD = "fs"\nTM_MAD = "ssh"\n'),
    (FILES_DS_ID, 'NAME = "files"\nTYPE = "FILE_DS"\nDS_MAD = "fs"\nTM_MAD = "ssh"\n'),
)
BOOTSTRAP_PERMS = Permissions(1, 1, 0, 1, 0, 0, 0, 0, 0)



def parse_datastore(name: str, template: Template) -> tuple[DatastoreType, str, str, DiskType]:
    """TYPE, DS_MAD, TM_MAD and DISK_TYPE of a datastore template, with OpenNebula's defaults
    added to it; ValueError with the reason when the template is not acceptable."""
    check_name(name)
    text = (template.get("TYPE") or "IMAGE_DS").strip().upper()
    try:
        ds_type = DatastoreType[text]
    except KeyError:
        raise ValueError(f"Unknown datastore TYPE {text!r}: use IMAGE_DS, SYSTEM_DS, FILE_DS or BACKUP_DS") from None
    template.set("TYPE", ds_type.name)
    ds_mad = template.get("DS_MAD") or ""
    if ds_type is DatastoreType.SYSTEM_DS:
        if ds_mad:
            raise ValueError("SYSTEM datastores cannot have DS_MAD defined.")
        ds_mad = "-"
    elif not ds_mad:
        raise ValueError("No DS_MAD in template.")
    elif ds_mad not in DS_MADS:
        raise ValueError(f'DS_MAD named "{ds_mad}" is not defined in oned.conf')
    tm_mad = template.get("TM_MAD") or ""
    if ds_type is DatastoreType.BACKUP_DS:
        tm_mad = "-"
    elif not tm_mad:
        raise ValueError("No TM_MAD in template.")
    elif tm_mad not in TM_MADS:
        raise ValueError(f'TM_MAD named "{tm_mad}" is not defined in oned.conf')
    else:
        tm = TM_MADS[tm_mad]
        if ds_type is DatastoreType.SYSTEM_DS:
            template.set("SHARED", "YES" if tm.shared else "NO")
            template.set("DS_MIGRATE", "YES" if tm.ds_migrate else "NO")
            template.remove("LN_TARGET")
            template.remove("CLONE_TARGET")
        else:
            for attr, value in (("LN_TARGET", tm.ln_target), ("CLONE_TARGET", tm.clone_target)):
                if not template.get(attr):
                    template.set(attr, value)
    disk_text = (template.get("DISK_TYPE") or "FILE").strip().upper()
    template.remove("DISK_TYPE")
    try:
        disk_type = DiskType[disk_text]
    except KeyError:
        raise ValueError(f"Unknown DISK_TYPE {disk_text!r}") from None
    template.remove("BASE_PATH")
    if not template.get("SAFE_DIRS") and not template.get("RESTRICTED_DIRS"):
        template.set("SAFE_DIRS", "/var/tmp")
        template.set("RESTRICTED_DIRS", "/")
    return ds_type, ds_mad, tm_mad, disk_type


class DatastoreAPI(ObjectAPI[Datastore]):
    KIND = ObjectType.DATASTORE
    PREFIX = "one.datastore"
    POOL_PREFIX = "one.datastorepool"
    POOL_ROOT = "DATASTORE_POOL"
    NAME_PER_OWNER = False
    DELETE_OP = AuthOp.ADMIN

    # -- capacity -------------------------------------------------------------------------
    def driver(self, ds: Datastore) -> ds_driver.DatastoreDriver:
        """The driver acting on a datastore's files; system datastores are plain directories."""
        return ds_driver.load("fs" if ds.ds_type is DatastoreType.SYSTEM_DS else ds.ds_mad)

    def capacity(self, ds: Datastore) -> Capacity:
        """Measured now; a datastore whose driver cannot measure reports zeros."""
        try:
            return self.driver(ds).monitor(ds.base_path)
        except (ds_driver.DriverError, OSError):
            return Capacity(0, 0, 0)

    def _measured(self, ds: Datastore) -> str:
        cap = self.capacity(ds)
        ds.set_capacity(cap.total_mb, cap.free_mb, cap.used_mb)
        return ds.body()

    def document(self, req: Request, conn: Connection, obj: Datastore) -> str:
        return self._measured(obj)

    def pool_bodies(self, req: Request, conn: Connection, where: sa.ColumnElement[bool] | None,
                    offset: int, limit: int) -> list[str]:
        bodies = super().pool_bodies(req, conn, where, offset, limit)
        return [self._measured(Datastore.from_body(body)) for body in bodies]  # type: ignore[arg-type]

    # -- links used by images and VMs -----------------------------------------------------
    def add_image(self, conn: Connection, ds_id: int, image_id: int) -> None:
        ds = self.get(conn, ds_id)
        ds.set_images(ds.images | {image_id})
        self.pool.update(conn, ds)

    def del_image(self, conn: Connection, ds_id: int, image_id: int) -> None:
        if self.pool.exists(conn, ds_id):
            ds = self.get(conn, ds_id)
            ds.set_images(ds.images - {image_id})
            self.pool.update(conn, ds)

    def disk_attributes(self, ds: Datastore, disk: VectorAttribute) -> None:
        """What a VM DISK takes from its image's datastore (Datastore::disk_attribute)."""
        disk.set("DATASTORE", ds.name)
        disk.set("DATASTORE_ID", str(ds.oid))
        disk.set("TM_MAD", ds.tm_mad)
        disk.set("CLUSTER_ID", ",".join(str(c) for c in sorted(ds.clusters)))
        template = ds.template
        for attr in ("CLONE_TARGET", "LN_TARGET"):
            value = template.get(attr)
            if value and not disk.get(attr):
                disk.set(attr, value)

    # -- verbs ----------------------------------------------------------------------------
    def bootstrap(self, conn: Connection, secrets: dict[str, str]) -> None:
        if self.pool.exists(conn, SYSTEM_DS_ID):
            return
        for oid, text in BOOTSTRAP:
            template = parse_template(text)
            name = template.get("NAME") or ""
            template.remove("NAME")
            self._create(conn, name, template, ONEADMIN_UID, "oneadmin", ONEADMIN_GID, "oneadmin",
                         BOOTSTRAP_PERMS, DEFAULT_CLUSTER_ID, oid)

    def _create(self, conn: Connection, name: str, template: Template, uid: int, uname: str, gid: int,
                gname: str, perms: Permissions, cluster_id: int, oid: int | None = None) -> int:
        try:
            ds_type, ds_mad, tm_mad, disk_type = parse_datastore(name, template)
        except ValueError as exc:
            raise allocate_error("datastore", str(exc)) from None
        ds = Datastore.new(name, uid, uname, gid, gname, perms, ds_type, ds_mad, tm_mad, disk_type, template)
        oid = self.pool.allocate(conn, ds, oid)
        ds.set("BASE_PATH", str(layout.base_path(self.core.home, oid)))
        self.core.api(ClusterAPI).link(conn, cluster_id, ds)
        self.pool.update(conn, ds)
        return oid

    def allocate(self, req: Request, text: str, cluster_id: int = -1) -> int:
        template = parse_template(text)
        name = template.get("NAME") or ""
        template.remove("NAME")
        cluster_id = DEFAULT_CLUSTER_ID if cluster_id == -1 else cluster_id
        req.authorize_create(ObjectType.DATASTORE, [cluster_id])
        with self.core.store.write() as conn:
            if self.pool.get_by_name(conn, name) is not None:
                raise allocate_error("datastore", "NAME is already taken by DATASTORE")
            user = req.user
            perms = self.new_permissions(user.uid, user.gid)
            return self._create(conn, name, template, user.uid, user.name, user.gid, user.gname, perms, cluster_id)

    def before_delete(self, req: Request, conn: Connection, obj: Datastore) -> None:
        if obj.images:
            raise action_error(f"Cannot delete datastore. Datastore {obj.oid} is not empty.", obj.oid)
        self.core.api(ClusterAPI).forget(conn, obj)

    def after_update(self, req: Request, conn: Connection, obj: Datastore) -> None:
        # DS_MAD and TM_MAD follow the template, as Datastore::post_update_template does.
        template = obj.template
        template.set("TYPE", obj.ds_type.name)  # the type of a datastore never changes
        try:
            parse_datastore(obj.name, template)
        except ValueError as exc:
            raise action_error(str(exc), obj.oid) from None
        obj.template = template
        if obj.ds_type is not DatastoreType.SYSTEM_DS and template.get("DS_MAD"):
            obj.set("DS_MAD", template.get("DS_MAD"))
        if obj.ds_type is not DatastoreType.BACKUP_DS and template.get("TM_MAD"):
            obj.set("TM_MAD", template.get("TM_MAD"))

    def enable(self, req: Request, oid: int, enable: bool) -> int:
        with self.core.store.write() as conn:
            ds = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, ds)
            if ds.ds_type is not DatastoreType.SYSTEM_DS:
                raise action_error("Only SYSTEM_DS can be disabled or enabled", oid)
            ds.set("STATE", int(DatastoreState.READY if enable else DatastoreState.DISABLED))
            self.pool.update(conn, ds)
        return oid

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.datastore.allocate", self.allocate, str, int),
            method("one.datastore.enable", self.enable, int, bool),
        ]

