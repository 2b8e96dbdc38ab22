"""The ``fs`` datastore driver: image files in the datastore's directory on this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from oneedge.datastore import download
from oneedge.datastore.driver import DatastoreDriver, DriverError, Progress, Stored
from oneedge.datastore.layout import MB, Capacity, capacity, local_path, remote_scheme, size_mb

QCOW2_MAGIC = b"QFI\xfb"


def detect_format(header: bytes) -> str:
    """FORMAT of an image file from its first bytes: qcow2 by its magic, else raw."""
    return "qcow2" if header.startswith(QCOW2_MAGIC) else "raw"


class FsDriver(DatastoreDriver):
    NAME = "fs"

    def stat(self, path: str) -> int:
        if _downloaded(path):
            return download.remote_size_mb(path)
        local = Path(local_path(path))
        try:
            if not local.is_file():
                raise DriverError(f"Cannot register image from {path}: not a regular file"
                                  if local.exists() else f"Cannot register image from {path}: no such file")
            with local.open("rb"):
                pass
            return size_mb(local.stat().st_size)
        except OSError as exc:
            raise DriverError(f"Cannot register image from {path}: {exc.strerror}") from None

    def cp(self, base: str, path: str, source: str, progress: Progress | None = None) -> Stored:
        _ensure_dir(base)
        if _downloaded(path):
            download.download(path, source, progress)
            return self._stored(source)
        partial = source + ".part"
        try:
            # NOTE: copy to a temporary name first, so a SOURCE never names half a file.
            shutil.copyfile(local_path(path), partial)
            os.replace(partial, source)
        except OSError as exc:
            _discard(partial)
            raise DriverError(f"Error copying {path} to {source}: {exc.strerror or exc}") from None
        return self._stored(source)

    def mkfs(self, base: str, source: str, size_mb: int, fmt: str) -> Stored:
        self.check_format(fmt)
        _ensure_dir(base)
        if fmt == "qcow2":
            result = subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", source, f"{size_mb}M"],
                                    capture_output=True, text=True, check=False)
            if result.returncode != 0:
                _discard(source)
                raise DriverError(f"qemu-img create failed: {result.stderr.strip()}")
        else:
            try:
                # A sparse file: the size is reserved in name only, as OpenNebula's fs mkfs does.
                with open(source, "xb") as handle:
                    handle.truncate(size_mb * MB)
            except OSError as exc:
                _discard(source)
                raise DriverError(f"Error creating datablock {source}: {exc.strerror}") from None
        return Stored(source, size_mb, fmt)

    def clone(self, base: str, origin: str, source: str) -> Stored:
        return self.cp(base, origin, source)

    def rm(self, source: str) -> None:
        _discard(source)

    def monitor(self, base: str) -> Capacity:
        os.makedirs(base, exist_ok=True)
        st = os.statvfs(base)
        return capacity(st.f_frsize, st.f_blocks, st.f_bavail)

    def check_format(self, fmt: str) -> None:
        if fmt not in ("raw", "qcow2"):
            raise DriverError(f"Unsupported datablock FORMAT {fmt!r}: use raw or qcow2")
        if fmt == "qcow2" and shutil.which("qemu-img") is None:
            raise DriverError("FORMAT qcow2 needs qemu-img, which is not installed on the front-end")

    @staticmethod
    def _stored(source: str) -> Stored:
        with open(source, "rb") as handle:
            fmt = detect_format(handle.read(len(QCOW2_MAGIC)))
        return Stored(source, size_mb(os.path.getsize(source)), fmt)


def _downloaded(path: str) -> bool:
    """Whether PATH is a URL this driver downloads; other schemes are refused."""
    scheme = remote_scheme(path)
    if scheme is None:
        return False
    if scheme not in ("http", "https"):
        raise DriverError(f"Cannot register image from {path}: {scheme} URLs are not supported, use http(s)")
    return True


def _ensure_dir(base: str) -> None:
    try:
        os.makedirs(base, exist_ok=True)
    except OSError as exc:
        raise DriverError(f"Cannot create datastore directory {base}: {exc.strerror}") from None


def _discard(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
