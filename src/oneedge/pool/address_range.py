"""Address ranges of virtual networks: pure address arithmetic and lease bookkeeping.

An address range (AR) is a block of SIZE consecutive leases. Lease ``i`` has
MAC ``MAC + i`` (the low 32 bits wrap, the 16-bit prefix stays, as in
OpenNebula), IPv4 ``IP + i`` for IP4 ranges, an EUI-64 address derived from its
MAC under GLOBAL_PREFIX/ULA_PREFIX for IP6 ranges, and ``IP6 + i`` for static
IPv6 ranges. Used leases are a map index -> owner, where the owner packs an
object kind bit with an object ID (``ObjectType.bit | (oid & 0xFFFFFFFF)``), and
are stored in the ALLOCATED attribute as OpenNebula stores them
(`` index owner index owner...``).

Nothing here loops over a whole range: lookups are arithmetic and free-slot
searches walk the used leases only.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field

from lxml import etree

from oneedge.pool import xml

#: OpenNebula's default MAC_PREFIX (oned.conf), the two first bytes of generated MACs.
DEFAULT_MAC_PREFIX = 0x0200
LINK_LOCAL_PREFIX = 0xFE80_0000_0000_0000

IP4_TYPES = frozenset({"IP4", "IP4_6", "IP4_6_STATIC"})
IP6_TYPES = frozenset({"IP6", "IP4_6"})
IP6_STATIC_TYPES = frozenset({"IP6_STATIC", "IP4_6_STATIC"})
TYPES = ("ETHER", "IP4", "IP6", "IP6_STATIC", "IP4_6", "IP4_6_STATIC")

#: Attributes that OpenNebula keeps for itself or computes in documents.
INTERNAL = ("ALLOCATED", "USED_LEASES", "LEASES", "PARENT_NETWORK_AR_ID", "PARENT_NETWORK")
COMPUTED = ("MAC_END", "IP_END", "IP6_END", "IP6_ULA", "IP6_ULA_END", "IP6_GLOBAL", "IP6_GLOBAL_END")


class AddressError(ValueError):
    """A malformed address range definition; the message is OpenNebula's."""


# -- address conversions ---------------------------------------------------------------
def ip4_to_int(text: str) -> int | None:
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) <= 255 for p in parts):
        return None
    value = 0
    for part in parts:
        value = (value << 8) | int(part)
    return value


def int_to_ip4(value: int) -> str:
    value &= 0xFFFFFFFF
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def mac_to_int(text: str) -> int | None:
    parts = text.split(":")
    if len(parts) != 6:
        return None
    try:
        octets = [int(p, 16) for p in parts]
    except ValueError:
        return None
    if any(not 0 <= o <= 255 for o in octets) or any(len(p) > 2 or not p for p in parts):
        return None
    return int.from_bytes(bytes(octets), "big")


def int_to_mac(value: int) -> str:
    return ":".join(f"{b:02x}" for b in (value & 0xFFFF_FFFF_FFFF).to_bytes(6, "big"))


def ip6_to_int(text: str) -> int | None:
    try:
        return int(ipaddress.IPv6Address(text))
    except ValueError:
        return None


def int_to_ip6(value: int) -> str:
    return ipaddress.IPv6Address(value & ((1 << 128) - 1)).compressed


def prefix6_to_int(text: str) -> int | None:
    """The upper 64 bits of an IPv6 prefix (``2001:db8::``); 0 for an empty one."""
    if not text:
        return 0
    value = ip6_to_int(text)
    return None if value is None else value >> 64


def eui64(prefix64: int, mac: int) -> int:
    """The IPv6 address of ``mac`` under a /64 prefix: EUI-64, universal/local bit flipped."""
    interface = ((mac >> 24) ^ 0x020000) << 40 | 0xFFFE << 24 | (mac & 0xFFFFFF)
    return (prefix64 << 64) | interface


def mac_add(mac: int, index: int) -> int:
    """``mac + index`` as OpenNebula computes it: the low 32 bits wrap, the prefix stays."""
    return (mac & 0xFFFF_0000_0000) | ((mac + index) & 0xFFFF_FFFF)


def owner_pack(kind_bit: int, oid: int) -> int:
    return kind_bit | (oid & 0xFFFFFFFF)


def owner_id(pack: int) -> int:
    """The signed object ID of an owner (held leases belong to VM -1)."""
    low = pack & 0xFFFFFFFF
    return low - (1 << 32) if low & 0x80000000 else low


# -- free-slot search over the used indexes (sorted), never over the whole range ----------
def first_free(used: list[int], size: int) -> int | None:
    """Lowest index in ``range(size)`` not in ``used`` (sorted ascending)."""
    candidate = 0
    for index in used:
        if index != candidate:
            break
        candidate += 1
    return candidate if candidate < size else None


def free_block(used: list[int], size: int, count: int) -> int | None:
    """First index of ``count`` consecutive free leases, or None."""
    start = 0
    for index in used:
        if index - start >= count:
            return start
        start = max(start, index + 1)
    return start if size - start >= count else None


def parse_allocated(text: str) -> dict[int, int]:
    numbers = text.split()
    if len(numbers) % 2:
        raise AddressError("Wrong ALLOCATED attribute")
    return {int(numbers[i]): int(numbers[i + 1]) for i in range(0, len(numbers), 2)}


def format_allocated(allocated: dict[int, int]) -> str:
    return "".join(f" {index} {allocated[index]}" for index in sorted(allocated))


@dataclass
class AddressRange:
    """One AR: its attributes (upper-case keys, ALLOCATED excluded) and its used leases."""

    attrs: dict[str, str]
    allocated: dict[int, int] = field(default_factory=dict)

    # -- construction ------------------------------------------------------------------
    @classmethod
    def define(cls, items: dict[str, str], ar_id: int, mac_prefix: int = DEFAULT_MAC_PREFIX,
               rng: random.Random | None = None) -> AddressRange:
        """A new AR from a user's AR vector, checked and completed as OpenNebula does."""
        attrs = {k.upper(): v for k, v in items.items()}
        kind = attrs.get("TYPE", "").upper()
        if kind not in TYPES:
            raise AddressError("Unknown or missing address range TYPE.")
        attrs["TYPE"] = kind
        if kind in IP4_TYPES:
            if ip4_to_int(attrs.get("IP", "")) is None:
                raise AddressError("Wrong or empty IP attribute")
        else:
            attrs.pop("IP", None)
        if kind in IP6_TYPES:
            if prefix6_to_int(attrs.get("GLOBAL_PREFIX", "")) is None:
                raise AddressError("Wrong format for IP6 global address prefix")
            if prefix6_to_int(attrs.get("ULA_PREFIX", "")) is None:
                raise AddressError("Wrong format for IP6 unique local address prefix")
        else:
            attrs.pop("GLOBAL_PREFIX", None)
            attrs.pop("ULA_PREFIX", None)
        if kind in IP6_STATIC_TYPES:
            cls._init_ip6_static(attrs)
        else:
            attrs.pop("IP6", None)
        if not attrs.get("MAC"):
            low = ip4_to_int(attrs["IP"]) if kind in IP4_TYPES else (rng or random).getrandbits(32)
            attrs["MAC"] = int_to_mac((mac_prefix & 0xFFFF) << 32 | low)
        elif mac_to_int(attrs["MAC"]) is None:
            raise AddressError("Wrong format for MAC attribute")
        size = attrs.get("SIZE", "")
        if not size.isdigit() or int(size) == 0:
            raise AddressError("Wrong SIZE for address range")
        attrs["SIZE"] = str(int(size))
        for name in INTERNAL + COMPUTED:
            attrs.pop(name, None)
        attrs["AR_ID"] = str(ar_id)
        return cls(attrs)

    @staticmethod
    def _init_ip6_static(attrs: dict[str, str]) -> None:
        ip6 = ip6_to_int(attrs.get("IP6", ""))
        if ip6 is None:
            raise AddressError("Wrong or empty IP6 attribute")
        length = attrs.get("PREFIX_LENGTH", "")
        if not length.isdigit() or int(length) > 128:
            raise AddressError("Wrong or empty PREFIX_LENGTH")
        if not attrs.get("SIZE"):
            # Up to the end of the prefix (at most 2^64 - 1 leases, as OpenNebula).
            host_bits = min(128 - int(length), 64)
            span = (1 << host_bits) - (1 if host_bits == 64 else 0)
            attrs["SIZE"] = str(span - (ip6 & ((1 << host_bits) - 1)))

    @classmethod
    def from_element(cls, node: etree._Element) -> AddressRange:
        attrs = {child.tag: child.text or "" for child in node if isinstance(child.tag, str)}
        return cls(attrs, parse_allocated(attrs.pop("ALLOCATED", "")))

    # -- fields ------------------------------------------------------------------------
    @property
    def id(self) -> int:
        return int(self.attrs["AR_ID"])

    @property
    def type(self) -> str:
        return self.attrs["TYPE"]

    @property
    def size(self) -> int:
        return int(self.attrs["SIZE"])

    @property
    def mac(self) -> int:
        return mac_to_int(self.attrs["MAC"]) or 0

    @property
    def ip(self) -> int | None:
        return ip4_to_int(self.attrs["IP"]) if self.type in IP4_TYPES else None

    @property
    def ip6(self) -> int | None:
        return ip6_to_int(self.attrs["IP6"]) if self.type in IP6_STATIC_TYPES else None

    def prefixes(self) -> list[tuple[str, int]]:
        """(name, /64 prefix) of the EUI-64 addresses of an IP6 range, ULA first."""
        if self.type not in IP6_TYPES:
            return []
        found = [(name, prefix6_to_int(self.attrs.get(attr, "")) or 0)
                 for name, attr in (("IP6_ULA", "ULA_PREFIX"), ("IP6_GLOBAL", "GLOBAL_PREFIX"))]
        return [(name, prefix) for name, prefix in found if prefix]

    @property
    def parent_ar(self) -> int | None:
        value = self.attrs.get("PARENT_NETWORK_AR_ID")
        return int(value) if value not in (None, "") else None

    @property
    def used(self) -> int:
        return len(self.allocated)

    # -- lookups -----------------------------------------------------------------------
    def index_of_mac(self, text: str) -> int | None:
        value = mac_to_int(text)
        if value is None or value >> 32 != self.mac >> 32:
            return None
        index = (value & 0xFFFFFFFF) - (self.mac & 0xFFFFFFFF)
        return index if 0 <= index < self.size else None

    def index_of_ip(self, text: str) -> int | None:
        start, value = self.ip, ip4_to_int(text)
        if start is None or value is None:
            return None
        return value - start if 0 <= value - start < self.size else None

    def index_of_ip6(self, text: str) -> int | None:
        start, value = self.ip6, ip6_to_int(text)
        if start is None or value is None:
            return None
        return value - start if 0 <= value - start < self.size else None

    def index_of(self, key: str, value: str) -> int | None:
        """Index of an address given as IP, IP6 or MAC."""
        return {"IP": self.index_of_ip, "IP6": self.index_of_ip6, "MAC": self.index_of_mac}[key](value)

    def first_free(self) -> int | None:
        return first_free(sorted(self.allocated), self.size)

    def free_block(self, count: int) -> int | None:
        return free_block(sorted(self.allocated), self.size, count)

    def is_free(self, index: int, count: int = 1) -> bool:
        if index + count > self.size:
            return False
        if count < len(self.allocated):
            return all(i not in self.allocated for i in range(index, index + count))
        return not any(index <= i < index + count for i in self.allocated)

    # -- leases ------------------------------------------------------------------------
    def lease(self, index: int) -> dict[str, str]:
        """The address attributes of lease ``index`` (MAC, IP, IP6_*...), as in a NIC."""
        mac = mac_add(self.mac, index)
        out = {"MAC": int_to_mac(mac)}
        port_start, port_size = int(self.attrs.get("PORT_START", 0) or 0), int(self.attrs.get("PORT_SIZE", 0) or 0)
        if port_start and port_size:
            first = port_start + index * port_size + 1
            out["EXTERNAL_PORT_RANGE"] = f"{first}:{first + port_size - 1}"
            out["INTERNAL_PORT_RANGE"] = f"1-{port_size}/{first}"
        if self.ip is not None:
            out["IP"] = int_to_ip4(self.ip + index)
        if self.type in IP6_TYPES:
            out["IP6_LINK"] = int_to_ip6(eui64(LINK_LOCAL_PREFIX, mac))
            for name, prefix in self.prefixes():
                out[name] = int_to_ip6(eui64(prefix, mac))
        if self.ip6 is not None:
            out["IP6"] = int_to_ip6(self.ip6 + index)
        return out

    def take(self, index: int, owner: int, count: int = 1) -> None:
        for i in range(index, index + count):
            self.allocated[i] = owner

    def release(self, index: int, owner: int) -> bool:
        """Free lease ``index`` if ``owner`` holds it."""
        if self.allocated.get(index) != owner:
            return False
        del self.allocated[index]
        return True

    def release_owner(self, owner: int) -> int:
        doomed = [i for i, o in self.allocated.items() if o == owner]
        for index in doomed:
            del self.allocated[index]
        return len(doomed)

    # -- changes -----------------------------------------------------------------------
    def update(self, new: dict[str, str]) -> None:
        """``one.vn.update_ar``: take ``new``'s attributes, keeping what defines the range.

        TYPE, MAC, IP, IP6, AR_ID and a reservation's parent stay; SIZE may only
        change when no used lease falls outside (never for a reservation).
        """
        attrs = {k.upper(): v for k, v in new.items()}
        for name in INTERNAL + COMPUTED + ("IP", "IP6"):
            attrs.pop(name, None)
        for name in ("TYPE", "MAC", "AR_ID", "IPAM_MAD", "PARENT_NETWORK_AR_ID"):
            if name in self.attrs:
                attrs[name] = self.attrs[name]
        if self.ip is not None:
            attrs["IP"] = self.attrs["IP"]
        if self.ip6 is not None:
            attrs["IP6"] = self.attrs["IP6"]
            attrs.setdefault("PREFIX_LENGTH", self.attrs.get("PREFIX_LENGTH", ""))
        else:
            attrs.pop("PREFIX_LENGTH", None)
        if self.type in IP6_TYPES:
            if prefix6_to_int(attrs.get("GLOBAL_PREFIX", "")) is None:
                raise AddressError("Wrong format for IP6 global address prefix")
            if prefix6_to_int(attrs.get("ULA_PREFIX", "")) is None:
                raise AddressError("Wrong format for IP6 unique local address prefix")
        else:
            attrs.pop("GLOBAL_PREFIX", None)
            attrs.pop("ULA_PREFIX", None)
        size = attrs.get("SIZE") or str(self.size)
        if not size.isdigit():
            raise AddressError("Unable to read the SIZE attribute, it must be number >= 0")
        if self.parent_ar is not None and int(size) != self.size:
            raise AddressError("The SIZE of a reservation cannot be changed.")
        if any(index >= int(size) for index in self.allocated):
            raise AddressError("New SIZE cannot be applied. There are used leases that would fall outside the range.")
        attrs["SIZE"] = str(int(size))
        self.attrs = attrs

    def reservation(self, first: int, count: int, ar_id: int) -> AddressRange:
        """The AR of a reservation of leases ``first .. first+count-1`` of this one."""
        attrs = dict(self.attrs)
        attrs.pop("IPAM_MAD", None)
        attrs["MAC"] = int_to_mac(mac_add(self.mac, first))
        if self.ip is not None:
            attrs["IP"] = int_to_ip4(self.ip + first)
        if self.ip6 is not None:
            attrs["IP6"] = int_to_ip6(self.ip6 + first)
        port_start, port_size = int(attrs.get("PORT_START", 0) or 0), int(attrs.get("PORT_SIZE", 0) or 0)
        if port_start and port_size:
            attrs["PORT_START"] = str(port_start + first * port_size)
        attrs["SIZE"] = str(count)
        attrs["AR_ID"] = str(ar_id)
        attrs["PARENT_NETWORK_AR_ID"] = str(self.id)
        return AddressRange(attrs)

    # -- documents ---------------------------------------------------------------------
    def to_stored(self) -> etree._Element:
        """The AR as stored and listed by pool info: attributes sorted, ALLOCATED included."""
        node = etree.Element("AR")
        values = dict(self.attrs, ALLOCATED=format_allocated(self.allocated))
        for name in sorted(values):
            xml.sub(node, name, values[name])
        return node

    def to_info(self, kind_names: dict[int, str]) -> etree._Element:
        """The AR of ``one.vn.info``: attributes, computed ends, USED_LEASES and LEASES.

        ``kind_names`` maps an owner's kind bit to its LEASE element (VM, VNET, VROUTER).
        """
        node = etree.Element("AR")
        for name in sorted(self.attrs):
            xml.sub(node, name, self.attrs[name])
        last = self.size - 1
        mac_end = mac_add(self.mac, last)
        xml.sub(node, "MAC_END", int_to_mac(mac_end))
        if self.ip is not None:
            xml.sub(node, "IP_END", int_to_ip4(self.ip + last))
        for name, prefix in self.prefixes():
            xml.sub(node, name, int_to_ip6(eui64(prefix, self.mac)))
            xml.sub(node, f"{name}_END", int_to_ip6(eui64(prefix, mac_end)))
        if self.ip6 is not None:
            xml.sub(node, "IP6_END", int_to_ip6(self.ip6 + last))
        xml.sub(node, "USED_LEASES", self.used)
        leases = xml.sub(node, "LEASES")
        for index in sorted(self.allocated):
            owner = self.allocated[index]
            lease = xml.sub(leases, "LEASE")
            values = self.lease(index)
            for kind_bit, tag in kind_names.items():
                if owner & kind_bit:
                    values[tag] = str(owner_id(owner))
                    break
            for name in sorted(values):
                xml.sub(lease, name, values[name])
        return node


def address_key(text: str) -> tuple[str, str] | None:
    """("MAC"|"IP"|"IP6", text) for an address given without saying which kind it is."""
    if mac_to_int(text) is not None:
        return "MAC", text
    if ip4_to_int(text) is not None:
        return "IP", text
    if ip6_to_int(text) is not None:
        return "IP6", text
    return None
