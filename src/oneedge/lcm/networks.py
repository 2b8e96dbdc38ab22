"""The networks a VM's context needs: attributes of each NIC's network and address range.

OpenNebula writes ``ETH<n>_MASK``, ``_GATEWAY``, ``_DNS``... from the NIC, else
its address range, else the network (``ar_lookup``); NICs carry only what
INHERIT_VNET_ATTR copies at lease time, so the context transfer gets the rest
here, read when the step is planned (``oneedge.context.script.context_sh``).
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy.engine import Connection

from oneedge.pool.sqlpool import SQLPool
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import VirtualMachine


def _singles(node: etree._Element | None) -> dict[str, str]:
    return {} if node is None else {child.tag: child.text or "" for child in node if len(child) == 0}


def context_networks(pools: dict[ObjectType, SQLPool[Any]], conn: Connection, vm: VirtualMachine) -> dict[int, dict[str, str]]:
    """NETWORK_ID -> the network's TEMPLATE attributes under those of the NIC's address range."""
    vnets = pools[ObjectType.NET]
    found: dict[int, dict[str, str]] = {}
    for nic in vm.nics():
        network_id = nic.findtext("NETWORK_ID") or ""
        if not network_id.isdigit() or not vnets.exists(conn, int(network_id)):
            continue
        root = vnets.get(conn, int(network_id)).root
        ar_id = nic.findtext("AR_ID") or ""
        ar = next((node for node in root.iterfind("AR_POOL/AR") if node.findtext("AR_ID") == ar_id), None)
        found[int(network_id)] = {**_singles(root.find("TEMPLATE")), **_singles(ar)}
    return found
