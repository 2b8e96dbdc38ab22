"""``one.template.*`` (allocate, clone, delete, instantiate, info, update, rename, chown,
chmod, lock, unlock) and ``one.templatepool.info``."""

from __future__ import annotations

import time

from sqlalchemy.engine import Connection

from oneedge.errors import ErrorCode, RequestError, action_error, allocate_error, authorization_error
from oneedge.pool.image import fill_disk
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.vmtemplate import InvalidTemplate, VMTemplate, find_restricted, image_disks
from oneedge.rm.api.shared import ObjectAPI, check_name, parse_template
from oneedge.rm.api.vm import VMAPI
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import SingleAttribute, Template


class VMTemplateAPI(ObjectAPI[VMTemplate]):
    KIND = ObjectType.TEMPLATE
    PREFIX = "one.template"
    POOL_PREFIX = "one.templatepool"
    POOL_ROOT = "VMTEMPLATE_POOL"
    VERBS = ("pool_info", "update", "rename", "chown", "chmod", "lock", "unlock")

    @property
    def vms(self) -> VMAPI:
        return self.core.api(VMAPI)

    # -- hooks ----------------------------------------------------------------------------
    def check_update(self, req: Request, conn: Connection, obj: VMTemplate, template: Template) -> None:
        if not req.user.is_admin:
            name = find_restricted(template, self.vms.restricted(), obj.template)
            if name is not None:
                raise RequestError(ErrorCode.INTERNAL, f"Tried to change restricted attribute: {name}", obj.oid)

    def check_unique_name(self, conn: Connection, name: str, uid: int, oid: int = -1) -> None:
        other = self.pool.get_by_name(conn, name, uid)
        if other is not None and other.oid != oid:
            raise RequestError(ErrorCode.INTERNAL, f"NAME is already taken by TEMPLATE {other.oid}.", oid)

    # -- creating templates ---------------------------------------------------------------------
    def _insert(self, conn: Connection, req: Request, name: str, template: Template) -> int:
        try:
            check_name(name)
        except RequestError as exc:
            raise RequestError(ErrorCode.INTERNAL, exc.message) from None
        self.check_unique_name(conn, name, req.user.uid)
        template.remove("NAME")
        user = req.user
        doc = VMTemplate.new(user.uid, user.gid, user.name, user.gname, name, self.new_permissions(user.uid, user.gid), template,
                             int(time.time()))
        return self.pool.allocate(conn, doc)

    def allocate(self, req: Request, text: str) -> int:
        template = parse_template(text)
        if not req.user.is_admin:
            name = find_restricted(template, self.vms.restricted())
            if name is not None:
                raise authorization_error(req.user.uid, self.KIND.label,
                                          f"VM Template includes a restricted attribute {name}")
        req.authorize_create(ObjectType.TEMPLATE)
        with self.core.store.write() as conn:
            return self._insert(conn, req, template.get("NAME") or "", template)

    def clone_in(self, conn: Connection, req: Request, oid: int, name: str, recursive: bool) -> int:
        """Copy template ``oid`` as ``name`` for the caller; ``recursive`` copies its images too."""
        source = self.get(conn, oid)
        self.authorize(req, conn, AuthOp.USE, source)
        req.authorize_create(ObjectType.TEMPLATE)
        template = source.template
        disks = image_disks(template) if recursive else []
        if disks:
            images = self.vms.image_api()
            for index, disk in enumerate(disks):
                image_id = self._image_id(conn, req, disk)
                new_id = images.clone_image(conn, req, image_id, f"{name}-disk-{index}")
                for key in ("IMAGE", "IMAGE_UNAME", "IMAGE_UID"):
                    disk.remove(key)
                disk.set("IMAGE_ID", str(new_id))
        return self._insert(conn, req, name, template)

    def _image_id(self, conn: Connection, req: Request, disk) -> int:
        if disk.get("IMAGE_ID") is not None:
            try:
                return int(disk.get("IMAGE_ID"))
            except ValueError:
                raise action_error(f"Wrong IMAGE_ID {disk.get('IMAGE_ID')!r} in DISK") from None
        owner = int(disk.get("IMAGE_UID") or req.user.uid)
        if disk.get("IMAGE_UNAME"):
            user = self.core.pools[ObjectType.USER].get_by_name(conn, disk.get("IMAGE_UNAME"))
            owner = user.oid if user is not None else -1
        image = self.core.pools[ObjectType.IMAGE].get_by_name(conn, disk.get("IMAGE"), owner)
        if image is None:
            raise action_error(f"Image {disk.get('IMAGE')!r} of user {owner} does not exist")
        return image.oid

    def clone(self, req: Request, oid: int, name: str, recursive: bool = False) -> int:
        with self.core.store.write() as conn:
            return self.clone_in(conn, req, oid, name, recursive)

    # -- other verbs ----------------------------------------------------------------------------
    def info(self, req: Request, oid: int, extended: bool = False, decrypt: bool = False) -> str:
        """The template; ``extended`` adds to each image DISK what a VM would take from the image."""
        if not extended:
            return super().info(req, oid, decrypt)
        with self.core.store.read() as conn:
            doc = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.USE, doc, check_lock=False)
            template = doc.template
            images = self.core.pools[ObjectType.IMAGE]
            for disk in image_disks(template):
                try:
                    image = images.get(conn, self._image_id(conn, req, disk))
                except RequestError:
                    continue  # as VirtualMachineDisks::extended_info: a missing image adds nothing
                fill_disk(image, disk)
            doc.template = template
            return doc.body()

    def delete(self, req: Request, oid: int, recursive: bool = False) -> int:
        """Delete the template; ``recursive`` deletes the images its DISKs use too, all or nothing."""
        with self.core.store.write() as conn:
            doc = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, doc)
            if recursive:
                images = self.vms.image_api()
                for image_id in sorted({self._image_id(conn, req, disk) for disk in image_disks(doc.template)}):
                    image = images.get(conn, image_id)
                    images.authorize(req, conn, images.DELETE_OP, image)
                    images.before_delete(req, conn, image)
                    images.remove(conn, image_id)
            self.remove(conn, oid)
        return oid

    def instantiate(self, req: Request, oid: int, name: str = "", hold: bool = False, extra: str = "",
                    persistent: bool = False) -> int:
        """Create a VM from the template with ``extra`` merged over it; return the VM's ID."""
        extra_tmpl = parse_template(extra)
        with self.core.store.write() as conn:
            source = self.get(conn, oid)
            if (source.template.get("VROUTER") or "").upper() == "YES":
                raise action_error("Virtual router templates cannot be instantiated", oid)
            if persistent:
                # A private copy of the template (and its images) with the extra
                # attributes in it, which the VM then comes from.
                clone_id = self.clone_in(conn, req, oid, name or f"{source.name}-copy", True)
                copy = self.get(conn, clone_id)
                merged = copy.template
                self._merge(req, merged, extra_tmpl)
                copy.template = merged
                self.pool.update(conn, copy)
                extra_tmpl = Template([SingleAttribute("CLONING_TEMPLATE_ID", str(oid))])
                source, oid = copy, clone_id
            self.authorize(req, conn, AuthOp.USE, source)
            template = source.template
            self._merge(req, template, extra_tmpl)
            if len(extra_tmpl):
                req.authorize_create(ObjectType.TEMPLATE)
            for attr in ("NAME", "TEMPLATE_NAME", "TEMPLATE_ID"):
                template.remove(attr)
            template.set("TEMPLATE_NAME", source.name)
            template.set("TEMPLATE_ID", str(oid))
            if name:
                template.set("NAME", name)
            try:
                return self.vms.create(conn, req, template, hold)
            except InvalidTemplate as exc:
                raise allocate_error(ObjectType.VM.label, str(exc)) from None

    def _merge(self, req: Request, template: Template, extra: Template) -> None:
        if not req.user.is_admin:
            name = find_restricted(extra, self.vms.restricted(), template, append=True)
            if name is not None:
                raise authorization_error(req.user.uid, self.KIND.label,
                                          f"User Template includes a restricted attribute {name}")
        template.merge(extra)

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.template.allocate", self.allocate, str),
            method("one.template.clone", self.clone, int, str, bool),
            method("one.template.delete", self.delete, int, bool),
            method("one.template.instantiate", self.instantiate, int, str, bool, str, bool),
            method("one.template.info", self.info, int, bool, bool),
        ]
