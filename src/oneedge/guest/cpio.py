"""The initramfs archive: cpio "newc" (the format the kernel unpacks), written in memory.

Pure: entries in, bytes out; the caller decides where the bytes go.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass

_MAGIC = b"070701"
_DIR, _FILE, _LINK = 0o040000, 0o100000, 0o120000


@dataclass(frozen=True)
class Entry:
    """One member: a directory (``data`` is None), a file, or a symlink (``link`` target)."""

    path: str
    mode: int = 0o755
    data: bytes | None = None
    link: str | None = None


def _header(ino: int, mode: int, size: int, name: bytes) -> bytes:
    fields = (ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, len(name) + 1, 0)
    return _MAGIC + b"".join(b"%08X" % value for value in fields)


def _pad(length: int) -> bytes:
    return b"\0" * (-length % 4)


def archive(entries: Iterable[Entry]) -> bytes:
    """The newc archive of ``entries`` in order (parents must come before children), gzip'd."""
    out = bytearray()
    for ino, entry in enumerate([*entries, Entry("TRAILER!!!", 0)], start=1):
        if entry.path == "TRAILER!!!":
            kind, body = 0, b""
        elif entry.link is not None:
            kind, body = _LINK, entry.link.encode()
        elif entry.data is None:
            kind, body = _DIR, b""
        else:
            kind, body = _FILE, entry.data
        name = entry.path.lstrip("/").encode()
        head = _header(ino, kind | entry.mode if kind else 0, len(body), name) + name + b"\0"
        out += head + _pad(len(head)) + body + _pad(len(body))
    return gzip.compress(bytes(out), compresslevel=6, mtime=0)
