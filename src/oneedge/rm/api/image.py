"""``one.image.*`` and ``one.imagepool.info``; what VMs need of images (acquire,
release, clone_image); the image files made by datastore drivers in worker threads."""

from __future__ import annotations

import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from sqlalchemy.engine import Connection

from oneedge.datastore import layout
from oneedge.datastore.driver import DriverError, Progress, Stored
from oneedge.errors import action_error, allocate_error
from oneedge.pool.datastore import Datastore, DatastoreType
from oneedge.pool.image import (IN_USE, Image, ImageSpec, ImageState, ImageType, fill_disk, fits_datastore,
                                parse_image)
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.api.datastore import DatastoreAPI
from oneedge.rm.api.shared import ObjectAPI, check_name, parse_template
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import Template, VectorAttribute

log = logging.getLogger("oneedge.image")

#: Datastore driver actions running at once (OpenNebula's image driver runs -t 15).
DRIVER_THREADS = 4


class ImageAPI(ObjectAPI[Image]):
    KIND = ObjectType.IMAGE
    PREFIX = "one.image"
    POOL_PREFIX = "one.imagepool"
    POOL_ROOT = "IMAGE_POOL"
    VERBS = ("info", "pool_info", "update", "rename", "chown", "chmod", "lock", "unlock", "delete")

    def __init__(self, core) -> None:
        super().__init__(core)
        self.workers = ThreadPoolExecutor(DRIVER_THREADS, thread_name_prefix="ds-driver")

    @property
    def datastores(self) -> DatastoreAPI:
        return self.core.api(DatastoreAPI)

    # -- files, after the record commits ---------------------------------------------------
    def _after_commit(self, conn: Connection, image_id: int, action: Callable[[], Stored],
                      origin_id: int = -1) -> None:
        """Run a driver action once this transaction commits, then record its outcome."""
        def run() -> None:
            try:
                outcome: Stored | str = action()
            except DriverError as exc:
                outcome = str(exc)
            except Exception as exc:  # a driver bug must still take the image out of LOCKED
                log.exception("datastore action for image %d failed", image_id)
                outcome = f"Internal error: {exc}"
            self._record(image_id, outcome, origin_id)

        self.core.store.on_commit(conn, lambda: self.workers.submit(run))

    def _record(self, image_id: int, outcome: Stored | str, origin_id: int) -> None:
        with self.core.store.write() as conn:
            if origin_id != -1 and self.pool.exists(conn, origin_id):
                origin = self.get(conn, origin_id)
                origin.set("CLONING_OPS", max(origin.cloning_ops - 1, 0))
                origin.set_ids("CLONES", origin.ids("CLONES") - {image_id})
                if origin.state is ImageState.CLONE and origin.cloning_ops == 0:
                    origin.state = ImageState.USED if origin.vms else ImageState.READY
                self.pool.update(conn, origin)
            if not self.pool.exists(conn, image_id):
                # Deleted while its file was being made: the file goes too.
                if isinstance(outcome, Stored):
                    self.workers.submit(self._remove_file, outcome.source)
                return
            image = self.get(conn, image_id)
            template = image.template
            if template.remove("DOWNLOAD_PROGRESS"):
                image.template = template
            if isinstance(outcome, str):
                image.set_error(outcome)
            else:
                image.set("SOURCE", outcome.source)
                image.set("SIZE", outcome.size_mb)
                image.set("FORMAT", outcome.format)
                image.state = {ImageState.LOCKED_USED: ImageState.USED,
                               ImageState.LOCKED_USED_PERS: ImageState.USED_PERS}.get(image.state, ImageState.READY)
            self.pool.update(conn, image)

    def _progress(self, image_id: int) -> Progress:
        """Record a download's progress in the image's TEMPLATE/DOWNLOAD_PROGRESS ("bytes done/total",
        total 0 when the server does not say), for ``oneimage`` to show; removed when it ends."""
        def report(done: int, total: int) -> None:
            with self.core.store.write() as conn:
                if self.pool.exists(conn, image_id):
                    image = self.get(conn, image_id)
                    template = image.template
                    template.set("DOWNLOAD_PROGRESS", f"{done}/{total}")
                    image.template = template
                    self.pool.update(conn, image)
        return report

    @staticmethod
    def _remove_file(source: str) -> None:
        from oneedge.datastore.fs import FsDriver  # only fs datastores keep files here

        FsDriver().rm(source)

    # -- allocate & clone -------------------------------------------------------------------
    def _datastore_for(self, req: Request, conn: Connection, ds_id: int, image_type: ImageType) -> Datastore:
        ds = self.datastores.get(conn, ds_id)
        req.authorize(AuthOp.USE, ds)
        if ds.ds_type not in (DatastoreType.IMAGE_DS, DatastoreType.FILE_DS):
            raise allocate_error("image", "New images can only be allocated in a files or image datastore.")
        if not fits_datastore(image_type, ds.ds_type is DatastoreType.FILE_DS):
            raise allocate_error("image", f"Images of type {image_type.name} cannot be stored in "
                                          f"a datastore of type {ds.ds_type.name}.")
        return ds

    def _create(self, req: Request, conn: Connection, spec: ImageSpec, ds: Datastore, template: Template,
                check_capacity: bool) -> Image:
        check_name(spec.name)
        if self.pool.get_by_name(conn, spec.name, req.user.uid) is not None:
            raise allocate_error("image", "NAME is already taken by IMAGE")
        if check_capacity and spec.size_mb > self.datastores.capacity(ds).free_mb:
            raise allocate_error("image", "Not enough space in datastore")
        persistent = spec.persistent or (ds.template.get("PERSISTENT_ONLY") or "").upper() == "YES"
        user = req.user
        image = Image.new(spec.name, user.uid, user.name, user.gid, user.gname,
                          self.new_permissions(user.uid, user.gid), spec.image_type, persistent,
                          spec.path, spec.fmt, spec.size_mb, ds.oid, ds.name, ds.disk_type, template)
        self.pool.allocate(conn, image)
        self.datastores.add_image(conn, ds.oid, image.oid)
        return image

    def allocate(self, req: Request, text: str, ds_id: int, no_check_capacity: bool = False) -> int:
        """Register an image; its file is made after commit while the image is LOCKED."""
        template = parse_template(text)
        req.authorize_create(ObjectType.IMAGE)
        with self.core.store.write() as conn:
            ds = self.datastores.get(conn, ds_id)
            try:
                spec = parse_image(template, ds.template.get("DRIVER") or "")
            except ValueError as exc:
                raise allocate_error("image", str(exc)) from None
            ds = self._datastore_for(req, conn, ds_id, spec.image_type)
            driver = self.datastores.driver(ds)
            try:
                if spec.path:
                    spec = ImageSpec(spec.name, spec.image_type, spec.persistent, spec.path, "", spec.fmt,
                                     driver.stat(spec.path))
                elif not spec.source:
                    driver.check_format(spec.fmt)
            except DriverError as exc:
                raise allocate_error("image", str(exc)) from None
            image = self._create(req, conn, spec, ds, template, not (no_check_capacity and req.user.is_admin))
            if spec.source:
                image.set("SOURCE", spec.source)
                image.state = ImageState.READY
                self.pool.update(conn, image)
                return image.oid
            source = layout.source_path(ds.base_path, secrets.token_hex(16))
            base = ds.base_path
            if spec.path:
                progress = self._progress(image.oid)
                self._after_commit(conn, image.oid, lambda: driver.cp(base, spec.path, source, progress))
            else:
                self._after_commit(conn, image.oid, lambda: driver.mkfs(base, source, spec.size_mb, spec.fmt))
            return image.oid

    def clone_image(self, conn: Connection, req: Request, image_id: int, name: str, ds_id: int = -1) -> int:
        """Clone an image in the caller's transaction; the copy is made after commit."""
        origin = self.get(conn, image_id)
        req.authorize(AuthOp.USE, origin)
        req.authorize_create(ObjectType.IMAGE)
        if origin.image_type not in (ImageType.OS, ImageType.DATABLOCK, ImageType.CDROM):
            raise action_error("KERNEL, RAMDISK, BACKUP and CONTEXT cannot be cloned.", image_id)
        if origin.snapshot_ids():
            raise action_error("Cannot clone images with snapshots", image_id)
        if origin.state not in (ImageState.READY, ImageState.USED, ImageState.CLONE):
            raise action_error(f"Cannot clone image in state {origin.state.name}", image_id)
        ds = self._datastore_for(req, conn, origin.ds_id if ds_id == -1 else ds_id, origin.image_type)
        source_ds = self.datastores.get(conn, origin.ds_id)
        if ds.ds_mad != source_ds.ds_mad:
            raise action_error("Clone only supported to same DS_MAD Datastores", image_id)
        template = origin.template
        template.remove("VCENTER_IMPORTED")
        template.remove("ERROR")
        spec = ImageSpec(name, origin.image_type, origin.persistent, origin.source, "", origin.format,
                         origin.size_mb)
        image = self._create(req, conn, spec, ds, template, True)
        image.set("CLONING_ID", image_id)
        self.pool.update(conn, image)
        origin.set("CLONING_OPS", origin.cloning_ops + 1)
        origin.set_ids("CLONES", origin.ids("CLONES") | {image.oid})
        if origin.state is ImageState.READY:
            origin.state = ImageState.CLONE
        self.pool.update(conn, origin)
        driver = self.datastores.driver(ds)
        base, source, target = ds.base_path, origin.source, layout.source_path(ds.base_path, secrets.token_hex(16))
        self._after_commit(conn, image.oid, lambda: driver.clone(base, source, target), image_id)
        return image.oid

    def clone(self, req: Request, image_id: int, name: str, ds_id: int = -1) -> int:
        with self.core.store.write() as conn:
            return self.clone_image(conn, req, image_id, name, ds_id)

    # -- a VM disk saved as a new image (one.vm.disksaveas) ---------------------------------
    def save_as(self, conn: Connection, req: Request, origin_id: int, name: str, type_text: str, size_mb: int,
                saved: dict[str, int]) -> Image:
        """A new LOCKED image in the datastore of image ``origin_id`` (the disk's), with the
        SAVED_* attributes of ``saved``; the VM's transfer driver copies the disk to its SOURCE
        and :meth:`saved` ends it (RequestManagerVirtualMachine.cc VirtualMachineDiskSaveas)."""
        origin = self.get(conn, origin_id)
        if origin.image_type not in (ImageType.OS, ImageType.DATABLOCK, ImageType.CDROM):
            raise action_error(f"Cannot save_as image of type {origin.image_type.name}", origin_id)
        try:
            image_type = ImageType.parse(type_text) if type_text else origin.image_type
        except ValueError as exc:
            raise allocate_error("image", str(exc)) from None
        req.authorize_create(ObjectType.IMAGE)
        ds = self._datastore_for(req, conn, origin.ds_id, image_type)
        template = Template()
        for attribute, value in saved.items():
            template.set(attribute, str(value))
        for attribute in ("TARGET", "DEV_PREFIX"):
            if origin.template.get(attribute):
                template.set(attribute, origin.template.get(attribute) or "")
        spec = ImageSpec(name, image_type, False, "", "", origin.format, size_mb)
        image = self._create(req, conn, spec, ds, template, True)
        image.set("SOURCE", layout.source_path(ds.base_path, secrets.token_hex(16)))
        self.pool.update(conn, image)
        return image

    def saved(self, conn: Connection, image_id: int, error: str) -> None:
        """The save-as copy ended: READY, or ERROR with ``error``."""
        if not self.pool.exists(conn, image_id):
            return
        image = self.get(conn, image_id)
        if error:
            image.set_error(error)
        else:
            image.state = ImageState.READY
        self.pool.update(conn, image)

    def set_size(self, conn: Connection, image_id: int, size_mb: int) -> None:
        """A persistent image grew with the disk that is the image itself (disk resize)."""
        if self.pool.exists(conn, image_id):
            image = self.get(conn, image_id)
            image.set("SIZE", size_mb)
            self.pool.update(conn, image)

    # -- what VMs use -----------------------------------------------------------------------
    def acquire(self, conn: Connection, req: Request, disk: VectorAttribute, vm_id: int,
                uid: int | None = None, attach: bool = False) -> None:
        """Give VM ``vm_id`` the image a DISK names and fill the DISK from it (ImagePool::acquire_disk).

        The DISK names the image by IMAGE_ID, or by IMAGE with IMAGE_UID/IMAGE_UNAME (the
        owner; ``uid``, by default the caller, when neither is given). Raises RequestError
        (AUTHORIZATION without USE rights, ACTION otherwise) and changes nothing then.
        """
        image = self._disk_image(conn, req, disk, req.user.uid if uid is None else uid)
        req.authorize(AuthOp.USE, image)
        if not image.image_type.is_disk:
            raise action_error(f"Image {image.oid} ({image.name}) of type {image.image_type.name} "
                               "cannot be used as DISK.", image.oid)
        shareable = (image.template.get("PERSISTENT_TYPE") or "").upper() == "SHAREABLE"
        state = image.state
        if state in (ImageState.USED_PERS, ImageState.LOCKED_USED_PERS) and not shareable:
            raise action_error(f"Cannot acquire image {image.oid}, it is persistent and already in use", image.oid)
        if attach and state in (ImageState.LOCKED, ImageState.LOCKED_USED, ImageState.LOCKED_USED_PERS):
            raise action_error(f"Cannot acquire image {image.oid}, it is locked", image.oid)
        if state in (ImageState.INIT, ImageState.DISABLED, ImageState.ERROR, ImageState.DELETE, ImageState.CLONE):
            raise action_error(f"Cannot acquire image {image.oid}, it is in state: {state.name}", image.oid)
        self._check_disk_size(image, disk)
        image.add_vm(vm_id)
        if state is ImageState.READY:
            image.state = ImageState.USED_PERS if image.persistent else ImageState.USED
        elif state is ImageState.LOCKED:
            image.state = ImageState.LOCKED_USED_PERS if image.persistent else ImageState.LOCKED_USED
        fill_disk(image, disk)
        self.pool.update(conn, image)
        ds = self.datastores.get(conn, image.ds_id)
        self.datastores.disk_attributes(ds, disk)

    def _disk_image(self, conn: Connection, req: Request, disk: VectorAttribute, uid: int) -> Image:
        if disk.get("IMAGE_ID"):
            try:
                image_id = int(disk.get("IMAGE_ID") or "")
            except ValueError:
                raise action_error(f"Wrong IMAGE_ID {disk.get('IMAGE_ID')!r} in DISK") from None
            if not self.pool.exists(conn, image_id):
                raise action_error(f"Image with ID: {image_id} does not exist")
            return self.get(conn, image_id)
        name = disk.get("IMAGE")
        if not name:
            raise action_error("DISK names no image: set IMAGE_ID or IMAGE")
        if disk.get("IMAGE_UID"):
            uid = int(disk.get("IMAGE_UID") or "-1")
        elif disk.get("IMAGE_UNAME"):
            owner = self.core.pools[ObjectType.USER].get_by_name(conn, disk.get("IMAGE_UNAME") or "")
            uid = -1 if owner is None else owner.oid
        image = self.pool.get_by_name(conn, name, uid)
        if image is None:
            raise action_error(f"User {uid} does not own an image with name: {name} . "
                               "Set IMAGE_UNAME or IMAGE_UID of owner in DISK.")
        return image

    @staticmethod
    def _check_disk_size(image: Image, disk: VectorAttribute) -> None:
        text = disk.get("SIZE")
        if not text:
            return
        try:
            size = int(text)
        except ValueError:
            raise action_error(f"Wrong SIZE {text!r} in DISK", image.oid) from None
        if image.persistent and size != image.size_mb:
            raise action_error(f"SIZE attribute is not supported for persistent image [{image.oid}].", image.oid)
        if image.image_type is ImageType.CDROM and size != image.size_mb:
            raise action_error(f"SIZE attribute is not supported for CDROM image [{image.oid}].", image.oid)
        if size < image.size_mb:
            raise action_error(f"SIZE of {size}MB is less than the image [{image.oid}] size of "
                               f"{image.size_mb}MB.", image.oid)

    def release(self, conn: Connection, image_id: int, vm_id: int) -> None:
        """VM ``vm_id`` no longer uses the image (ImageManager::release_image); a gone image is ignored."""
        if not self.pool.exists(conn, image_id):
            return
        image = self.get(conn, image_id)
        if vm_id not in image.vms:
            return
        left = image.del_vm(vm_id)
        if left == 0:
            image.state = {
                ImageState.USED_PERS: ImageState.READY,
                ImageState.LOCKED_USED_PERS: ImageState.LOCKED,
                ImageState.USED: ImageState.CLONE if image.cloning_ops else ImageState.READY,
                ImageState.LOCKED_USED: ImageState.LOCKED,
            }.get(image.state, image.state)
        self.pool.update(conn, image)

    # -- verbs ------------------------------------------------------------------------------
    def before_delete(self, req: Request, conn: Connection, obj: Image) -> None:
        if obj.state in IN_USE:
            raise action_error(f"Cannot delete image. There are {len(obj.vms)} VMs using it.", obj.oid)
        if obj.state is ImageState.CLONE:
            raise action_error(f"Cannot delete image. There are {obj.cloning_ops} active clone operations.",
                               obj.oid)
        self.datastores.del_image(conn, obj.ds_id, obj.oid)
        if obj.source and self.pool.exists(conn, obj.oid) and self.datastores.pool.exists(conn, obj.ds_id):
            driver = self.datastores.driver(self.datastores.get(conn, obj.ds_id))
            source = obj.source
            self.core.store.on_commit(conn, lambda: self.workers.submit(driver.rm, source))

    def _change(self, req: Request, oid: int, change: Callable[[Connection, Image], None],
                op: AuthOp = AuthOp.MANAGE) -> int:
        with self.core.store.write() as conn:
            image = self.get(conn, oid)
            self.authorize(req, conn, op, image)
            change(conn, image)
            self.pool.update(conn, image)
        return oid

    def enable(self, req: Request, oid: int, enable: bool) -> int:
        def change(conn: Connection, image: Image) -> None:
            state = image.state
            allowed = (ImageState.DISABLED, ImageState.ERROR, ImageState.READY) if enable else (
                ImageState.READY, ImageState.ERROR, ImageState.DISABLED)
            if state not in allowed:
                verb = "enable" if enable else "disable"
                raise action_error(f"Could not {verb} image: Image cannot be in state {state.name}.", oid)
            if state is ImageState.ERROR and enable:
                template = image.template
                template.remove("ERROR")
                image.template = template
            image.state = ImageState.READY if enable else ImageState.DISABLED
        return self._change(req, oid, change)

    def persistent(self, req: Request, oid: int, persistent: bool) -> int:
        def change(conn: Connection, image: Image) -> None:
            verb = "persistent" if persistent else "non-persistent"
            if image.image_type not in (ImageType.OS, ImageType.DATABLOCK, ImageType.CDROM) and persistent:
                raise action_error("KERNEL, RAMDISK and CONTEXT must be non-persistent", oid)
            ds = self.datastores.get(conn, image.ds_id)
            if not persistent and (ds.template.get("PERSISTENT_ONLY") or "").upper() == "YES":
                raise action_error("This Datastore only accepts persistent images.", oid)
            if image.state in IN_USE or image.state in (ImageState.LOCKED, ImageState.CLONE):
                raise action_error(f"Could not make image {verb}: Image cannot be in state "
                                   f"{image.state.name}.", oid)
            image.set("PERSISTENT", int(persistent))
        return self._change(req, oid, change)

    def chtype(self, req: Request, oid: int, type_text: str) -> int:
        def change(conn: Connection, image: Image) -> None:
            try:
                new = ImageType.parse(type_text)
            except ValueError as exc:
                raise action_error(str(exc), oid) from None
            if image.image_type is ImageType.BACKUP or new is ImageType.BACKUP:
                raise action_error("Cannot change type for BACKUP images.", oid)
            ds = self.datastores.get(conn, image.ds_id)
            if not fits_datastore(new, ds.ds_type is DatastoreType.FILE_DS):
                raise action_error("Cannot change image type to an incompatible type for the current datastore.",
                                   oid)
            if new not in (ImageType.OS, ImageType.DATABLOCK) and image.snapshot_ids():
                raise action_error("Image with snapshots can be only of type OS or DATABLOCK", oid)
            image.set("TYPE", int(new))
        return self._change(req, oid, change)

    def _snapshot(self, req: Request, oid: int, snap_id: int, action: str) -> int:
        what = {"delete": "delete snapshot", "revert": "revert to snapshot", "flatten": "flatten snapshot"}[action]

        def change(conn: Connection, image: Image) -> None:
            if image.image_type not in (ImageType.OS, ImageType.DATABLOCK):
                raise action_error("IMAGES of type KERNEL, RAMDISK, BACKUP and CONTEXT does not have snapshots.",
                                   oid)
            if image.state is not ImageState.READY:
                raise action_error(f"Cannot {what} in state {image.state.name}", oid)
            if snap_id not in image.snapshot_ids():
                raise action_error("Snapshot does not exist", oid)
            # NOTE: image snapshots come from VM disk snapshots, which need qemu-img on real
            # hosts (a later issue); until then no image has any, and the fs driver has no action.
            raise action_error(f"Cannot {what}: not supported by datastore driver {image.get('DATASTORE')}", oid)
        return self._change(req, oid, change)

    def snapshot_delete(self, req: Request, oid: int, snap_id: int) -> int:
        return self._snapshot(req, oid, snap_id, "delete")

    def snapshot_revert(self, req: Request, oid: int, snap_id: int) -> int:
        return self._snapshot(req, oid, snap_id, "revert")

    def snapshot_flatten(self, req: Request, oid: int, snap_id: int) -> int:
        return self._snapshot(req, oid, snap_id, "flatten")

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.image.allocate", self.allocate, str, int, bool),
            method("one.image.clone", self.clone, int, str, int),
            method("one.image.enable", self.enable, int, bool),
            method("one.image.persistent", self.persistent, int, bool),
            method("one.image.chtype", self.chtype, int, str),
            method("one.image.snapshotdelete", self.snapshot_delete, int, int),
            method("one.image.snapshotrevert", self.snapshot_revert, int, int),
            method("one.image.snapshotflatten", self.snapshot_flatten, int, int),
        ]
