"""The driver registry: per kind, a driver name -> ``"module:Class"``, imported when first used.

Adding a driver is one module and one line here. oned.conf names drivers
(``VM_MAD``, ``IM_MAD``, ``TM_MAD``, ``VN_MAD``); a name missing from this
table fails the front-end at start (see ``oneedge.drivers.config``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from oneedge.drivers.base import Driver, DriverConfig

#: Driver kinds and the interface every implementation of the kind subclasses.
INTERFACES: dict[str, str] = {
    "vmm": "oneedge.drivers.vmm:VirtualMachineDriver",
    "im": "oneedge.drivers.im:InformationDriver",
    "tm": "oneedge.drivers.tm:TransferDriver",
    "vnm": "oneedge.drivers.vnm:NetworkDriver",
    "ipam": "oneedge.drivers.ipam:IpamDriver",
    "market": "oneedge.drivers.market:MarketplaceDriver",
    "provision": "oneedge.drivers.provision:ProvisionDriver",
}


def _table(entries: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """Build the registry, refusing a (kind, name) given twice or an unknown kind."""
    table: dict[str, dict[str, str]] = {kind: {} for kind in INTERFACES}
    for kind, name, path in entries:
        if kind not in table:
            raise ValueError(f"unknown driver kind {kind!r}")
        if name in table[kind]:
            raise ValueError(f"{kind} driver {name!r} registered twice")
        table[kind][name] = path
    return table


DRIVERS: dict[str, dict[str, str]] = _table((
    ("vmm", "dummy", "oneedge.drivers.dummy.vmm:DummyVirtualMachineDriver"),
    ("vmm", "kvm", "oneedge.drivers.kvm.driver:KvmDriver"),
    ("im", "dummy", "oneedge.drivers.dummy.im:DummyInformationDriver"),
    ("tm", "dummy", "oneedge.drivers.dummy.tm:DummyTransferDriver"),
    ("tm", "ssh", "oneedge.drivers.tm_ssh:SshTransferDriver"),
    ("tm", "local", "oneedge.drivers.tm_ssh:SshTransferDriver"),
    ("tm", "shared", "oneedge.drivers.tm_shared:SharedTransferDriver"),
    ("vnm", "dummy", "oneedge.drivers.dummy.vnm:DummyNetworkDriver"),
    ("vnm", "bridge", "oneedge.drivers.vnm_bridge:BridgeNetworkDriver"),
    ("vnm", "802.1Q", "oneedge.drivers.vnm_bridge:BridgeNetworkDriver"),
    ("vnm", "fw", "oneedge.drivers.vnm_fw:FirewallNetworkDriver"),
))


def known(kind: str, name: str) -> bool:
    return name in DRIVERS.get(kind, {})


def load(kind: str, config: DriverConfig, transports: Any = None) -> Driver:
    """An instance of the implementation registered as ``config.executable`` for ``kind``."""
    try:
        path = DRIVERS[kind][config.executable]
    except KeyError:
        names = ", ".join(sorted(DRIVERS.get(kind, {}))) or "none"
        raise ValueError(f"unknown {kind} driver {config.executable!r} (known: {names})") from None
    module, _, name = path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    interface_module, _, interface_name = INTERFACES[kind].partition(":")
    interface = getattr(importlib.import_module(interface_module), interface_name)
    if not issubclass(cls, interface):
        raise TypeError(f"{path} does not implement {INTERFACES[kind]}")
    return cls(config, transports)
