"""Helpers of the storage tests: requests, documents, file inspection."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from oneedge.drivers.base import DriverConfig
from oneedge.drivers.requests import Transfer, VmContext

T = TypeVar("T")
#: The names this machine answers to in the tests (besides its own).
LOCAL = frozenset({"localhost", "node1"})


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def tm_config(name: str) -> DriverConfig:
    return DriverConfig("tm", name, name, concurrency=4, timeout=60)


def vm(disks: str = "", vm_id: int = 5) -> VmContext:
    document = f"<VM><ID>{vm_id}</ID><TEMPLATE>{disks}</TEMPLATE></VM>"
    return VmContext(vm_id, document, "node1", "<HOST/>", 0, 0)


def disk(disk_id: int, **attrs: object) -> str:
    body = "".join(f"<{k}>{v}</{k}>" for k, v in attrs.items())
    return f"<DISK><DISK_ID>{disk_id}</DISK_ID>{body}</DISK>"


def line(action: str, source: str = "", destination: str = "", **kw: Any) -> Transfer:
    return Transfer(action, "ssh", source, destination, **kw)


def qemu_img_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["qemu-img", "info", "-U", str(path)], check=True, capture_output=True, text=True).stdout
    info = {}
    for text in out.splitlines():
        key, _, value = text.partition(":")
        info[key.strip()] = value.strip()
    return info


def tree(root: Path) -> list[str]:
    """Every path under root, relative, sorted (what a test expects to be left)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


