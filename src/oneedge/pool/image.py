"""Images: ``<IMAGE>`` documents (image.xsd), their types, states and users."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import IntEnum

from lxml import etree

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.datastore import DiskType
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template, VectorAttribute

table = pool_table("image_pool")


class ImageType(IntEnum):
    """``TYPE``, wire format (Image.h); the names are the template's string forms."""

    OS = 0
    CDROM = 1
    DATABLOCK = 2
    KERNEL = 3
    RAMDISK = 4
    CONTEXT = 5
    BACKUP = 6

    @classmethod
    def parse(cls, text: str) -> ImageType:
        """``"os"``, ``"DATABLOCK"`` or ``"2"``; ValueError for anything else."""
        text = text.strip().upper()
        if text.isdigit():
            return cls(int(text))
        try:
            return cls[text]
        except KeyError:
            raise ValueError(f"Unknown type {text}") from None

    @property
    def is_disk(self) -> bool:
        """Types a VM may use as a DISK (the others are files for kernels, contexts...)."""
        return self in (ImageType.OS, ImageType.CDROM, ImageType.DATABLOCK)


class ImageState(IntEnum):
    INIT = 0
    READY = 1
    USED = 2
    DISABLED = 3
    LOCKED = 4
    ERROR = 5
    CLONE = 6
    DELETE = 7
    USED_PERS = 8
    LOCKED_USED = 9
    LOCKED_USED_PERS = 10


#: States in which VMs hold the image.
IN_USE = frozenset({ImageState.USED, ImageState.USED_PERS, ImageState.LOCKED_USED, ImageState.LOCKED_USED_PERS})


class Image(PoolObject):
    TABLE = table
    TYPE = ObjectType.IMAGE
    ROOT = "IMAGE"
    LOCK_AFTER = "NAME"

    @classmethod
    def new(cls, name: str, uid: int, uname: str, gid: int, gname: str, perms: Permissions,
            image_type: ImageType, persistent: bool, path: str, fmt: str, size_mb: int,
            ds_id: int, ds_name: str, disk_type: DiskType, template: Template) -> Image:
        """A LOCKED image without ID or SOURCE: its file is made after the record commits."""
        root = xml.element("IMAGE", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name)
        root.append(perms.to_xml())
        for tag, value in (
            ("TYPE", int(image_type)), ("DISK_TYPE", int(disk_type)), ("PERSISTENT", int(persistent)),
            ("REGTIME", int(time.time())), ("SOURCE", ""), ("PATH", path), ("FORMAT", fmt), ("FS", ""),
            ("SIZE", size_mb), ("STATE", int(ImageState.LOCKED)), ("PREV_STATE", int(ImageState.INIT)),
            ("RUNNING_VMS", 0), ("CLONING_OPS", 0), ("CLONING_ID", -1), ("TARGET_SNAPSHOT", -1),
            ("DATASTORE_ID", ds_id), ("DATASTORE", ds_name),
        ):
            xml.sub(root, tag, value)
        for tag in ("VMS", "CLONES", "APP_CLONES"):
            root.append(etree.Element(tag))
        root.append(template.to_xml())
        root.append(xml.element("SNAPSHOTS", ALLOW_ORPHANS="NO", CURRENT_BASE=-1, NEXT_SNAPSHOT=0))
        root.append(etree.Element("BACKUP_INCREMENTS"))
        return cls(root)

    # -- fields ---------------------------------------------------------------------------
    @property
    def image_type(self) -> ImageType:
        return ImageType(self.get_int("TYPE"))

    @property
    def state(self) -> ImageState:
        return ImageState(self.get_int("STATE"))

    @state.setter
    def state(self, value: ImageState) -> None:
        self.set("PREV_STATE", self.get_int("STATE"))
        self.set("STATE", int(value))

    @property
    def persistent(self) -> bool:
        return self.get_int("PERSISTENT") == 1

    @property
    def source(self) -> str:
        return self.get("SOURCE", "") or ""

    @property
    def format(self) -> str:
        return self.get("FORMAT", "") or ""

    @property
    def size_mb(self) -> int:
        return self.get_int("SIZE")

    @property
    def ds_id(self) -> int:
        return self.get_int("DATASTORE_ID", -1)

    @property
    def disk_type(self) -> DiskType:
        return DiskType(self.get_int("DISK_TYPE"))

    @property
    def cloning_ops(self) -> int:
        return self.get_int("CLONING_OPS")

    # -- collections ----------------------------------------------------------------------
    def ids(self, tag: str) -> set[int]:
        return xml.id_set(self.root.find(tag))

    def set_ids(self, tag: str, values: set[int]) -> None:
        self.root.replace(self.root.find(tag), xml.ids(tag, values))

    @property
    def vms(self) -> set[int]:
        return self.ids("VMS")

    def add_vm(self, vm_id: int) -> None:
        self.set_ids("VMS", self.vms | {vm_id})
        self.set("RUNNING_VMS", len(self.vms))

    def del_vm(self, vm_id: int) -> int:
        """Forget a VM; returns how many still use the image."""
        self.set_ids("VMS", self.vms - {vm_id})
        self.set("RUNNING_VMS", len(self.vms))
        return len(self.vms)

    def snapshot_ids(self) -> set[int]:
        return {int(node.findtext("ID", "-1")) for node in self.root.iterfind("SNAPSHOTS/SNAPSHOT")}

    def set_error(self, message: str) -> None:
        """ERROR state, with the reason in TEMPLATE/ERROR as OpenNebula shows it."""
        template = self.template
        template.set("ERROR", f"{time.strftime('%a %b %d %H:%M:%S %Y')}: {message}")
        self.template = template
        self.state = ImageState.ERROR


# -- reading an image template (pure) ------------------------------------------------------
DEFAULT_DEV_PREFIX, DEFAULT_CDROM_DEV_PREFIX = "sd", "hd"
FILE_TYPES = frozenset({ImageType.KERNEL, ImageType.RAMDISK, ImageType.CONTEXT})


def fits_datastore(image_type: ImageType, file_ds: bool) -> bool:
    """Files (kernels, ramdisks, contexts) live in FILE_DS datastores, disks in IMAGE_DS ones."""
    return (image_type in FILE_TYPES) == file_ds


@dataclass(frozen=True)
class ImageSpec:
    """What ``one.image.allocate`` makes of a template; the template keeps the other attributes."""

    name: str
    image_type: ImageType
    persistent: bool
    path: str
    source: str
    fmt: str
    size_mb: int


def parse_image(template: Template, ds_driver_format: str = "") -> ImageSpec:
    """Take NAME, TYPE, PERSISTENT, PATH, SOURCE, FORMAT, SIZE out of ``template`` and add
    DEV_PREFIX (Image::insert); ValueError with OpenNebula's reason when not acceptable.

    ``ds_driver_format`` is the datastore's DRIVER, which decides a new datablock's format.
    """
    name = template.get("NAME") or ""
    image_type = ImageType.parse(template.get("TYPE") or "OS")
    if image_type is ImageType.BACKUP:
        raise ValueError("BACKUP images are created by VM backups, not allocated")
    persistent = (template.get("PERSISTENT") or "").strip().upper() == "YES"
    if image_type in FILE_TYPES:
        persistent = False
        template.remove("DEV_PREFIX")
    elif not template.get("DEV_PREFIX"):
        template.set("DEV_PREFIX", DEFAULT_CDROM_DEV_PREFIX if image_type is ImageType.CDROM else DEFAULT_DEV_PREFIX)
    size_text = (template.get("SIZE") or "0").strip()
    try:
        size = int(size_text)
    except ValueError:
        raise ValueError(f"Cannot parse image SIZE: {size_text}") from None
    path, source, fmt = (template.get(a) or "" for a in ("PATH", "SOURCE", "FORMAT"))
    for attr in ("NAME", "TYPE", "PERSISTENT", "SIZE", "FS", "DRIVER", "PATH", "SOURCE", "FORMAT", "TM_MAD"):
        template.remove(attr)
    if source:
        if path:
            raise ValueError("PATH and SOURCE cannot be both set.")
        if not fmt:
            raise ValueError("SOURCE needs FORMAT to be set.")
    elif path:
        fmt = ""  # the driver finds it out from the file
    elif image_type in (ImageType.DATABLOCK, ImageType.OS):
        if size <= 0:
            raise ValueError("SIZE attribute must be a positive integer value.")
        if ds_driver_format:
            template.set("DRIVER", ds_driver_format)
        fmt = ds_driver_format or fmt.lower() or "raw"
    else:
        raise ValueError("No PATH nor SOURCE in template.")
    return ImageSpec(name, image_type, persistent, path, source, fmt, size)


def fill_disk(image: Image, disk: VectorAttribute) -> None:
    """The attributes a VM DISK takes from its image (Image::disk_attribute)."""
    template = image.template
    image_type = image.image_type
    if not disk.get("DEV_PREFIX"):
        disk.set("DEV_PREFIX", template.get("DEV_PREFIX") or (
            DEFAULT_CDROM_DEV_PREFIX if image_type is ImageType.CDROM else DEFAULT_DEV_PREFIX))
    disk.set("IMAGE", image.name)
    disk.set("IMAGE_ID", str(image.oid))
    disk.set("IMAGE_UNAME", image.get("UNAME", "") or "")
    disk.set("SOURCE", image.source)
    disk.set("ORIGINAL_SIZE", str(image.size_mb))
    if not disk.get("SIZE"):
        disk.set("SIZE", str(image.size_mb))
    if image.format:
        disk.set("DRIVER", image.format.lower())
        disk.set("FORMAT", image.format.lower())
    else:
        disk.remove("DRIVER")
        disk.remove("FORMAT")
    disk.set("IMAGE_STATE", str(int(image.state)))
    immutable = (template.get("PERSISTENT_TYPE") or "").upper() == "IMMUTABLE"
    if image_type is ImageType.CDROM or immutable:
        disk.set("SAVE", "NO")
        disk.set("CLONE", "NO")
        disk.set("READONLY", "YES")
    else:
        if not disk.get("READONLY"):
            disk.set("READONLY", "YES" if (template.get("READONLY") or "").upper() == "YES" else "NO")
        persistent = image.persistent
        disk.set("PERSISTENT", "YES" if persistent else "NO")
        disk.set("CLONE", "NO" if persistent else "YES")
        disk.set("SAVE", "YES" if persistent else "NO")
    if image.state in (ImageState.LOCKED, ImageState.LOCKED_USED, ImageState.LOCKED_USED_PERS):
        disk.set("CLONING", "YES")
    else:
        disk.remove("CLONING")
    disk_type = image.disk_type
    if image_type is ImageType.CDROM:
        cdrom = {DiskType.RBD: DiskType.RBD_CDROM, DiskType.GLUSTER: DiskType.GLUSTER_CDROM,
                 DiskType.SHEEPDOG: DiskType.SHEEPDOG_CDROM}.get(disk_type, DiskType.CDROM)
        disk.set("TYPE", cdrom.name)
    else:
        disk.set("TYPE", disk_type.name)
    disk.set("DISK_TYPE", disk_type.name)
    if not disk.get("TARGET") and template.get("TARGET"):
        disk.set("TARGET", template.get("TARGET") or "")
