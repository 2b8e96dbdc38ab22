"""Helpers of the network tests: hosts in network namespaces, VM documents, interface checks.

Nothing here touches this machine's own interfaces: every link is made
inside a namespace the test created and removed with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from oneedge.drivers.base import DriverConfig
from oneedge.drivers.requests import VmContext
from oneedge.drivers.transport import Remotes, Result, Transport
from oneedge.drivers.transport_factory import DEFAULT_REMOTES
from oneedge.drivers.transport_local import LocalTransport


class NamespaceTransport(LocalTransport):
    """A host that is a network namespace of this machine: commands run under ``ip netns exec``."""

    def __init__(self, netns: str, remotes: Remotes) -> None:
        super().__init__(netns, remotes)
        self.netns = netns

    async def _exec(self, argv: Sequence[str], stdin: bytes | None, timeout: float | None) -> Result:
        return await super()._exec(["ip", "netns", "exec", self.netns, *argv], stdin, timeout)


class NamespaceHosts:
    """What drivers use of ``Transports``: hosts named ``oe-*`` are the test's network
    namespaces, any other name is this machine (the front-end)."""

    def __init__(self, remote_dir: Path) -> None:
        self.remotes = Remotes(DEFAULT_REMOTES, PurePosixPath(remote_dir))
        self._by_host: dict[str, Transport] = {}

    def is_local(self, host: str) -> bool:
        return not host.startswith("oe-")

    def for_host(self, host: str) -> Transport:
        if host not in self._by_host:
            self._by_host[host] = (LocalTransport(host, self.remotes) if self.is_local(host)
                                   else NamespaceTransport(host, self.remotes))
        return self._by_host[host]


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


@contextlib.contextmanager
def namespaces(*suffixes: str) -> Iterator[list[str]]:
    """New network namespaces (loopback up), deleted with everything in them after the block."""
    names = [f"oe-{os.getpid()}-{s}" for s in suffixes]
    try:
        for name in names:
            ip("netns", "add", name)
            ip("-n", name, "link", "set", "lo", "up")
        yield names
    finally:
        for name in names:
            for pid in ip("netns", "pids", name, check=False).stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), 9)
            ip("netns", "del", name, check=False)


def links(netns: str) -> dict[str, dict[str, Any]]:
    """The namespace's interfaces by name, as ``ip -j -d link`` describes them."""
    out = ip("-n", netns, "-j", "-d", "link", "show").stdout
    return {link["ifname"]: link for link in json.loads(out)}


def nft_tables(netns: str) -> list[str]:
    out = subprocess.run(["ip", "netns", "exec", netns, "nft", "list", "tables"], capture_output=True, text=True,
                         check=True).stdout
    return sorted(line.removeprefix("table ") for line in out.splitlines() if line.strip())


def vnm_config(name: str) -> DriverConfig:
    return DriverConfig("vnm", name, name, concurrency=4, timeout=30)


def nic(nic_id: int, vn_mad: str = "bridge", **attrs: object) -> str:
    body = "".join(f"<{k}>{v}</{k}>" for k, v in {"VN_MAD": vn_mad, **attrs}.items())
    return f"<NIC><NIC_ID>{nic_id}</NIC_ID>{body}</NIC>"


def sg_rule(sg_id: int, protocol: str, rule_type: str, **attrs: object) -> str:
    body = "".join(f"<{k}>{v}</{k}>" for k, v in attrs.items())
    return (f"<SECURITY_GROUP_RULE><SECURITY_GROUP_ID>{sg_id}</SECURITY_GROUP_ID><PROTOCOL>{protocol}"
            f"</PROTOCOL><RULE_TYPE>{rule_type}</RULE_TYPE>{body}</SECURITY_GROUP_RULE>")


def vm(vm_id: int, host: str, *parts: str) -> VmContext:
    document = f"<VM><ID>{vm_id}</ID><TEMPLATE>{''.join(parts)}</TEMPLATE></VM>"
    return VmContext(vm_id, document, host, "<HOST/>", 0, 0)


def run(coro: Any) -> Any:
    return asyncio.run(coro)
