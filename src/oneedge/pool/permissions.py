"""Owner/group/other x use/manage/admin permission bits of pool objects."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from lxml import etree

from oneedge.errors import api_error

_TAGS = ("OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "GROUP_M", "GROUP_A", "OTHER_U", "OTHER_M", "OTHER_A")


@dataclass(frozen=True)
class Permissions:
    owner_u: int = 1
    owner_m: int = 1
    owner_a: int = 0
    group_u: int = 0
    group_m: int = 0
    group_a: int = 0
    other_u: int = 0
    other_m: int = 0
    other_a: int = 0

    @classmethod
    def from_octal(cls, text: str) -> Permissions:
        """``"640"`` -> owner use+manage, group use (as ``chmod`` in OpenNebula's CLI)."""
        if len(text) != 3 or any(c not in "01234567" for c in text):
            raise ValueError(f"permissions must be three octal digits, got {text!r}")
        bits: list[int] = []
        for digit in text:
            value = int(digit)
            bits += [(value >> 2) & 1, (value >> 1) & 1, value & 1]
        return cls(*bits)

    @classmethod
    def for_new_object(cls, umask: int, uid: int, gid: int, enable_other: bool = True) -> Permissions:
        """A new object's permissions under DEFAULT_UMASK (PoolObjectSQL::set_umask): objects of
        oneadmin's user or group may get ADMIN bits, others only use and manage (and none for
        'other' unless ENABLE_OTHER_PERMISSIONS)."""
        if uid == 0 or gid == 0:
            base = 0o777
        else:
            base = 0o666 if enable_other else 0o660
        return cls.from_octal(f"{base & ~umask:03o}")

    def octal(self) -> str:
        values = self.values()
        return "".join(str(values[i] * 4 + values[i + 1] * 2 + values[i + 2]) for i in (0, 3, 6))

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))

    def chmod(self, requested: tuple[int, ...]) -> Permissions:
        """Apply ``one.*.chmod``'s nine arguments: -1 keeps a bit, 0/1 set it."""
        if len(requested) != 9:
            raise api_error("chmod takes nine permission values")
        changes = {}
        for f, value in zip(fields(self), requested):
            if value not in (-1, 0, 1):
                raise api_error(f"Wrong permission value {value} for {f.name.upper()}: use -1, 0 or 1")
            if value != -1:
                changes[f.name] = value
        return replace(self, **changes)

    def to_xml(self) -> etree._Element:
        element = etree.Element("PERMISSIONS")
        for tag, value in zip(_TAGS, self.values()):
            etree.SubElement(element, tag).text = str(value)
        return element

    @classmethod
    def from_xml(cls, element: etree._Element) -> Permissions:
        return cls(*(int(element.findtext(tag, "0")) for tag in _TAGS))
