"""CONTEXT variables substituted in a VM document, where OpenNebula does it.

At allocation (``leases=False``) every value but those reading the VM's
leases; once the leases are taken (``leases=True``) those, whole. The values
are computed by the pure ``context_values`` and written back in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree
from sqlalchemy.engine import Connection

from oneedge.context.vars import context_values, reads_leases
from oneedge.errors import RequestError
from oneedge.pool.sqlpool import SQLPool
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import VirtualMachine

#: lxml refuses a CDATA section holding its end marker; such a value is written as escaped text.
_CDATA_END = "]]>"
#: TEMPLATE attribute naming the CONTEXT values the first pass left whole for the second: without it
#: a value the first pass produced that happens to read the leases ($NAME giving "$NIC[IP]") would
#: be substituted again. Removed by the second pass.
WAITING = "CONTEXT_WAITING_LEASES"


def waiting_for_leases(vm: VirtualMachine) -> list[str]:
    """The CONTEXT values still to substitute once the leases are taken."""
    return (vm.root.findtext(f"TEMPLATE/{WAITING}") or "").split()


def substitute(vm: VirtualMachine, user: str, networks: Mapping[int, str] | None = None,
               leases: bool = False) -> None:
    """Replace the CONTEXT values of ``vm`` by their substituted form.

    ``user`` is the owner's ``<USER>`` document; ``networks`` the ``<VNET>``
    documents of the VM's NICs by ID (needed only with ``leases``). Without
    ``leases`` the values reading the leases are left whole and named in
    ``WAITING``; with ``leases`` only those are substituted, so no value is
    substituted twice. Raises ``ContextVariableError`` for a ``$`` that starts
    no variable.
    """
    context = vm.root.find("TEMPLATE/CONTEXT")
    if context is None:
        return
    waiting = set(waiting_for_leases(vm))
    if leases and not waiting:
        return
    values = context_values(vm.body(), user, networks, leases)
    names = [child.tag for child in context if not leases and reads_leases(child.text or "")]
    for child in context:
        if leases != (child.tag in waiting):  # the first pass leaves the waiting ones whole anyway
            continue
        value = values.get(child.tag, child.text or "")
        child.text = value if _CDATA_END in value else etree.CDATA(value)
    template = vm.root.find("TEMPLATE")
    for node in template.findall(WAITING):
        template.remove(node)
    if names:
        etree.SubElement(template, WAITING).text = etree.CDATA(" ".join(names))


def substitute_leases(conn: Connection, pools: Mapping[ObjectType, SQLPool[Any]], vm: VirtualMachine) -> None:
    """The second pass, once the VM's NICs have their leases: the values reading them, with
    the owner's and the NICs' networks' documents read in the caller's transaction (a
    deleted owner or network reads as empty)."""
    if not waiting_for_leases(vm):
        return
    ids = {int(text) for tag in ("NIC", "NIC_ALIAS") for nic in vm.root.iterfind(f"TEMPLATE/{tag}")
           if (text := nic.findtext("NETWORK_ID", "")).isdigit()}
    networks = {oid: body for oid in ids if (body := _body(conn, pools[ObjectType.NET], oid))}
    substitute(vm, _body(conn, pools[ObjectType.USER], vm.uid), networks, leases=True)


def _body(conn: Connection, pool: SQLPool[Any], oid: int) -> str:
    try:
        return pool.get(conn, oid).body()
    except RequestError:
        return ""
