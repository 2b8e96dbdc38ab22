"""The datastore driver interface (one class per DS_MAD) and its registry.

Actions run outside API transactions, in the image API's worker threads:
they get plain facts (paths, sizes, formats) and return what they made, or
raise ``DriverError`` with a message for the image's TEMPLATE/ERROR. They
never call the API back.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from oneedge.datastore.layout import Capacity

#: Called during a long copy with (bytes so far, total bytes or 0 when unknown).
Progress = Callable[[int, int], None]


class DriverError(Exception):
    """An action failed or is not supported; the message is shown to the user."""


@dataclass(frozen=True)
class Stored:
    """What an action left in the datastore: the image's SOURCE, SIZE (MB) and FORMAT."""

    source: str
    size_mb: int
    format: str


class DatastoreDriver:
    """Every action a datastore driver offers; the defaults fail with "not supported"."""

    NAME = "none"

    def _unsupported(self, action: str) -> DriverError:
        return DriverError(f"Action {action} is not supported by datastore driver {self.NAME}")

    def stat(self, path: str) -> int:
        """Size in MB of the file (or http(s) URL) an image would be registered from; fails when
        unreadable; 0 when a server does not announce the size."""
        raise self._unsupported("stat")

    def cp(self, base: str, path: str, source: str, progress: Progress | None = None) -> Stored:
        """Copy ``path`` (a local file or an http(s) URL) to ``source``, a new file in the datastore
        directory ``base``, calling ``progress`` as bytes arrive."""
        raise self._unsupported("cp")

    def mkfs(self, base: str, source: str, size_mb: int, fmt: str) -> Stored:
        """Create an empty datablock of ``size_mb`` in format ``fmt`` at ``source``."""
        raise self._unsupported("mkfs")

    def clone(self, base: str, origin: str, source: str) -> Stored:
        """Copy an image's file ``origin`` to ``source``."""
        raise self._unsupported("clone")

    def rm(self, source: str) -> None:
        """Remove an image's file; a file already gone is not an error."""
        raise self._unsupported("rm")

    def monitor(self, base: str) -> Capacity:
        """Capacity of the datastore directory ``base`` (created on demand)."""
        raise self._unsupported("monitor")

    def check_format(self, fmt: str) -> None:
        """Refuse, before anything is recorded, a datablock format this driver cannot make."""
        raise self._unsupported("mkfs")


#: DS_MAD name -> "module:Class" of the drivers that act on files here.
DS_DRIVERS: dict[str, str] = {
    "fs": "oneedge.datastore.fs:FsDriver",
}


def load(ds_mad: str) -> DatastoreDriver:
    """The driver of a DS_MAD; one without an implementation gets the base, which refuses all."""
    path = DS_DRIVERS.get(ds_mad)
    if path is None:
        driver = DatastoreDriver()
        driver.NAME = ds_mad
        return driver
    module, _, name = path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    if not issubclass(cls, DatastoreDriver) or cls.NAME != ds_mad:
        raise TypeError(f"{path} is registered for DS_MAD {ds_mad} but is {cls.__name__}")
    return cls()
