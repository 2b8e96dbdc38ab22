"""Pure reading of what a transfer line acts on: ``host:path`` arguments and the VM's DISK.

OpenNebula's TM scripts get ``host:path`` arguments and read the rest of a
disk (SIZE, ORIGINAL_SIZE, FORMAT, FS...) from ``onevm show -x``; here the
VM document travels in the request, so these functions read it instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from lxml import etree

from oneedge.drivers.base import DriverError
from oneedge.lcm.transfer import FRONTEND


@dataclass(frozen=True)
class Location:
    """A file or directory on a host; ``host`` is empty for the front-end's own files."""

    host: str
    path: PurePosixPath

    def __str__(self) -> str:
        return f"{self.host}:{self.path}" if self.host else str(self.path)


def location(argument: str) -> Location:
    """``host:/path`` -> (host, path); a bare ``/path``, or the lifecycle's ``frontend:/path``
    (where stopped and undeployed VMs keep their disks), is on the front-end.

    Paths must be absolute and free of ``..``, so a transfer line never names
    a file outside the directories it was built from.
    """
    host, sep, path = argument.partition(":")
    if not sep or "/" in host:
        host, path = "", argument
    elif host == FRONTEND:
        host = ""
    posix = PurePosixPath(path)
    if not posix.is_absolute() or ".." in posix.parts:
        raise DriverError(f"Invalid transfer argument {argument!r}: expected host:/absolute/path")
    return Location(host, posix)


@dataclass(frozen=True)
class DiskFacts:
    """What a TM action needs of a VM DISK (all sizes in MB; 0 when not given)."""

    disk_id: int
    size_mb: int = 0
    original_size_mb: int = 0
    format: str = ""
    fs: str = ""
    persistent: bool = False


def _int(text: str | None, what: str) -> int:
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise DriverError(f"Invalid {what} {text!r} in the VM's DISK") from None


def disk_facts(document: str, disk_id: int) -> DiskFacts:
    """The DISK with ``disk_id`` of a ``<VM>`` document; a disk not found gives bare facts."""
    root = etree.fromstring(document.encode())
    for disk in root.iterfind("TEMPLATE/DISK"):
        if disk.findtext("DISK_ID") == str(disk_id):
            return DiskFacts(disk_id, _int(disk.findtext("SIZE"), "SIZE"),
                             _int(disk.findtext("ORIGINAL_SIZE"), "ORIGINAL_SIZE"),
                             (disk.findtext("FORMAT") or disk.findtext("DRIVER") or "").lower(),
                             disk.findtext("FS") or "", (disk.findtext("PERSISTENT") or "").upper() == "YES")
    return DiskFacts(disk_id)


def grow_to(facts: DiskFacts) -> int:
    """The size a cloned disk must be grown to (its SIZE above ORIGINAL_SIZE), else 0."""
    if facts.original_size_mb and facts.size_mb > facts.original_size_mb:
        return facts.size_mb
    return 0


def check_format(fmt: str) -> str:
    """FORMAT of a new volatile disk: raw (default) or qcow2; swap is made as raw."""
    fmt = (fmt or "raw").lower()
    if fmt == "swap":
        return "raw"
    if fmt not in ("raw", "qcow2"):
        raise DriverError(f"Unsupported disk FORMAT {fmt!r}: use raw or qcow2")
    return fmt
