"""Pure datastore arithmetic: where files go, sizes in MB, capacity figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

MB = 1024 * 1024


def base_path(home: Path, ds_id: int) -> Path:
    """A datastore's directory, as OpenNebula's ``/var/lib/one/datastores/<id>``."""
    return home / "datastores" / str(ds_id)


#: Files of the files datastore a VM boots from (OS/KERNEL_DS, OS/INITRD_DS), by the name the
#: prolog gives their copy in the VM directory (as OpenNebula's ``kernel`` and ``ramdisk``).
OS_FILES = {"KERNEL_DS": "kernel", "INITRD_DS": "ramdisk"}


def source_path(base: str, token: str) -> str:
    """The SOURCE of a new image: a unique name in the datastore directory (fs driver style)."""
    if not token or "/" in token or token in (".", ".."):
        raise ValueError(f"invalid image file name {token!r}")
    return str(Path(base) / token)


def size_mb(nbytes: int) -> int:
    """Bytes to MB as OpenNebula reports image sizes: rounded up, at least 1 for a non-empty file."""
    return math.ceil(nbytes / MB)


@dataclass(frozen=True)
class Capacity:
    total_mb: int
    free_mb: int
    used_mb: int


def capacity(block_size: int, blocks: int, blocks_available: int) -> Capacity:
    """TOTAL/FREE/USED MB of a file system from its ``statvfs`` figures.

    FREE counts the blocks available to unprivileged users (``f_bavail``), as
    ``df`` does; USED is the rest, so the three always add up.
    """
    total = blocks * block_size // MB
    free = blocks_available * block_size // MB
    return Capacity(total, free, total - free)


def remote_scheme(path: str) -> str | None:
    """The URL scheme of a PATH that names a download (http, https...), None for a local path."""
    scheme = urlparse(path).scheme.lower()
    return scheme if scheme and scheme != "file" and len(scheme) > 1 else None


def local_path(path: str) -> str:
    """``file:///x`` -> ``/x``; a plain path is returned as is."""
    parsed = urlparse(path)
    return parsed.path if parsed.scheme.lower() == "file" else path
