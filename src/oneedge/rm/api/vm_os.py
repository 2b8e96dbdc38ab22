"""Kernel and initrd files of a VM from the files datastore (OpenNebula's ``VirtualMachine::set_os_file``).

``OS = [ KERNEL_DS = "$FILE[IMAGE_ID=3]", INITRD_DS = "$FILE[IMAGE=initrd]" ]``
names a KERNEL and a RAMDISK image; at allocation the reference becomes the
image's SOURCE (the file on the front-end) with ``KERNEL_DS_ID`` the image's
ID, and the prolog copies the file into the VM directory as ``kernel`` or
``ramdisk`` (``oneedge.lcm.transfer``).
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Connection

from oneedge.errors import action_error
from oneedge.pool.image import Image, ImageState, ImageType
from oneedge.pool.sqlpool import SQLPool
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.request import Request
from oneedge.template import Template

#: OS attribute -> the image type it takes.
OS_FILES = {"KERNEL_DS": ImageType.KERNEL, "INITRD_DS": ImageType.RAMDISK}
_USABLE = {ImageState.READY, ImageState.USED}
_REFERENCE = re.compile(r"^\$FILE\[(?P<body>[^\]]*)\]$")


def reference(text: str) -> dict[str, str] | None:
    """``$FILE[IMAGE_ID=3]`` -> ``{"IMAGE_ID": "3"}``; None for anything that is not a reference."""
    found = _REFERENCE.match(text.strip())
    if found is None:
        return None
    pairs = [part.split("=", 1) for part in found.group("body").split(",") if part.strip()]
    return {key.strip().upper(): value.strip().strip('"') for key, value in (p for p in pairs if len(p) == 2)}


def _image(conn: Connection, req: Request, images: SQLPool[Image], ref: dict[str, str]) -> Image:
    if ref.get("IMAGE_ID"):
        text = ref["IMAGE_ID"]
        if not text.isdigit() or not images.exists(conn, int(text)):
            raise action_error(f"Image with ID: {text} does not exist")
        return images.get(conn, int(text))
    name = ref.get("IMAGE", "")
    if not name:
        raise action_error("$FILE names no image: set IMAGE_ID or IMAGE")
    uid = req.user.uid
    if ref.get("IMAGE_UID", "").isdigit():
        uid = int(ref["IMAGE_UID"])
    elif ref.get("IMAGE_UNAME"):
        owner = req.core.pools[ObjectType.USER].get_by_name(conn, ref["IMAGE_UNAME"])
        uid = -1 if owner is None else owner.oid
    image = images.get_by_name(conn, name, uid)
    if image is None:
        raise action_error(f"User {uid} does not own an image with name: {name} .")
    return image


def resolve_os_files(conn: Connection, req: Request, images: SQLPool[Image], template: Template) -> None:
    """Replace the ``$FILE[...]`` references of OS/KERNEL_DS and OS/INITRD_DS by the images' SOURCE.

    Raises RequestError (ACTION, or AUTHORIZATION without USE on the image) when the image is
    missing, of another type or not ready.
    """
    for os_vector in template.vectors("OS"):
        for name, wanted in OS_FILES.items():
            ref = reference(os_vector.get(name) or "")
            if ref is None:
                continue
            image = _image(conn, req, images, ref)
            req.authorize(AuthOp.USE, image)
            if image.image_type is not wanted:
                raise action_error(f"Image {image.oid} ({image.name}) of type {image.image_type.name} "
                                   f"cannot be used as {name}, it must be {wanted.name}.", image.oid)
            if image.state not in _USABLE:
                raise action_error(f"Image {image.oid} ({image.name}) is in state {image.state.name}, "
                                   "it must be READY.", image.oid)
            os_vector.set(name, image.source)
            os_vector.set(f"{name}_ID", str(image.oid))
