"""Variables in CONTEXT values, as OpenNebula substitutes them (``src/parsers/vm_var_syntax.y``).

Pure: the ``<VM>`` document, its owner's ``<USER>`` document and the
``<VNET>`` documents of its networks in, the substituted CONTEXT values out.

- ``$NAME``, ``$UID``, ``$UNAME``, ``$GID``, ``$GNAME``: the VM's; ``$TEMPLATE``:
  the VM document in base64; any other ``$X``: the VM template's single
  attribute X, else its user template's (``$VMID``, ``$MEMORY``...).
- ``$V[A]`` and ``$V[A, K="v"]`` (or ``K=v``): attribute A of the VM's first
  vector V (``NIC``, ``DISK``...), or of the first whose K is v.
- ``$NETWORK[A, K=v]``, K one of NETWORK, NETWORK_ID, NIC_ID: attribute A of
  the network of the VM's NIC (or NIC_ALIAS) whose K is v, from the NIC's
  address range first (``$NETWORK[TEMPLATE, ...]``: the network in base64).
- ``$USER[A]``: the owner's template attribute (``TEMPLATE``: the user in base64).

Names are case-insensitive; what is not found is empty; ``\\$`` is kept as it
is. ``$IMAGE[...]`` needs the image pool and stays unsubstituted. Before the
VM has leases (``leases=False``) a value reading a NIC-dependent variable
(``NIC``, ``NIC_ALIAS``, ``NETWORK``) stays whole as it is, for one pass once
it has: no value is substituted twice, so what a variable gave (a VM name
holding ``$NIC[IP]``) is never read as a variable again.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

from lxml import etree

#: ``$VAR``, ``$VAR[ATTR]``, ``$VAR[ATTR, KEY=VALUE]``; a backslash keeps the next character.
_TOKEN = re.compile(
    r"""\\.|\$(?:(?P<name>[A-Za-z0-9_]+)
        (?:\[\s*(?P<attr>[A-Za-z0-9_]+)\s*
           (?:,\s*(?P<key>[A-Za-z0-9_]+)\s*=\s*(?:"(?P<quoted>[^"]*)"|(?P<plain>[A-Za-z0-9]+))\s*)?
        \])?)?""", re.VERBOSE | re.DOTALL)
#: Variables that read the VM's leases.
LEASE_VARIABLES = frozenset({"NIC", "NIC_ALIAS", "NETWORK"})
#: OpenNebula's ``get_network_attribute`` finds the NIC by one of these.
NIC_KEYS = frozenset({"NETWORK", "NETWORK_ID", "NIC_ID"})
_OWNER = {"UID": "UID", "UNAME": "UNAME", "GID": "GID", "GNAME": "GNAME", "NAME": "NAME"}


class ContextVariableError(ValueError):
    """A CONTEXT value with a ``$`` that does not start a variable."""


def _b64(document: str) -> str:
    return base64.b64encode(document.encode()).decode()


def _single(node: etree._Element | None, name: str) -> str:
    """A single (non-vector) attribute's text."""
    found = None if node is None else node.find(name)
    return "" if found is None or len(found) else (found.text or "")


class _Resolver:
    def __init__(self, vm: str, user: str, networks: Mapping[int, str]) -> None:
        self.document = vm
        self.vm = etree.fromstring(vm.encode())
        self.user = user
        self.networks = networks

    def single(self, name: str) -> str:
        if name == "TEMPLATE":
            return _b64(self.document)
        if name in _OWNER:
            return self.vm.findtext(_OWNER[name], "")
        return _single(self.vm.find("TEMPLATE"), name) or _single(self.vm.find("USER_TEMPLATE"), name)

    def vector(self, name: str, attr: str, key: str, value: str) -> str:
        if name == "NETWORK":
            return self.network(attr, key, value)
        if name == "USER":
            return self.user_attribute(attr)
        for vector in self.vm.iterfind(f"TEMPLATE/{name}"):
            if not key or vector.findtext(key, "") == value:
                return _single(vector, attr)
        return ""

    def network(self, attr: str, key: str, value: str) -> str:
        if key not in NIC_KEYS:
            return ""
        nic = next((n for tag in ("NIC", "NIC_ALIAS") for n in self.vm.iterfind(f"TEMPLATE/{tag}")
                    if n.findtext(key, "") == value), None)
        if nic is None or not nic.findtext("NETWORK_ID", "").isdigit() or not nic.findtext("AR_ID"):
            return ""
        document = self.networks.get(int(nic.findtext("NETWORK_ID", "")), "")
        if not document:
            return ""
        if attr == "TEMPLATE":
            return _b64(document)
        vnet = etree.fromstring(document.encode())
        ranges = [ar for ar in vnet.iterfind("AR_POOL/AR") if ar.findtext("AR_ID") == nic.findtext("AR_ID")]
        return (_single(ranges[0], attr) if ranges else "") or _single(vnet.find("TEMPLATE"), attr)

    def user_attribute(self, attr: str) -> str:
        if not self.user:
            return ""
        if attr == "TEMPLATE":
            return _b64(self.user)
        return _single(etree.fromstring(self.user.encode()).find("TEMPLATE"), attr)


def _substitute(value: str, resolver: _Resolver) -> str:
    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("\\"):
            return text
        name = (match.group("name") or "").upper()
        if not name:
            raise ContextVariableError(f"syntax error in {value!r}: '$' at {match.start()} starts no variable")
        attr = (match.group("attr") or "").upper()
        if name == "IMAGE":
            return text
        if not attr:
            return resolver.single(name)
        value_of_key = match.group("quoted") if match.group("quoted") is not None else match.group("plain") or ""
        return resolver.vector(name, attr, (match.group("key") or "").upper(), value_of_key)
    return _TOKEN.sub(replace, value)


def context_values(vm: str, user: str = "", networks: Mapping[int, str] | None = None,
                   leases: bool = True) -> dict[str, str]:
    """The VM's CONTEXT attributes (name -> value) with their variables substituted."""
    resolver = _Resolver(vm, user, networks or {})
    context = resolver.vm.find("TEMPLATE/CONTEXT")
    if context is None:
        return {}
    values = {child.tag: child.text or "" for child in context}
    return {name: _checked(value) if not leases and reads_leases(value) else _substitute(value, resolver)
            for name, value in values.items()}


def _checked(value: str) -> str:
    """The value, once its syntax is known good (so the second pass cannot fail on it)."""
    for match in _TOKEN.finditer(value):
        if not match.group(0).startswith("\\") and not match.group("name"):
            raise ContextVariableError(f"syntax error in {value!r}: '$' at {match.start()} starts no variable")
    return value


def reads_leases(value: str) -> bool:
    """Whether the value reads a NIC-dependent variable (``$NIC[...]``, ``$NETWORK[...]``...)."""
    return any((match.group("name") or "").upper() in LEASE_VARIABLES for match in _TOKEN.finditer(value))
