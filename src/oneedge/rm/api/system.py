"""``one.system.*`` and ``one.acl.*``."""

from __future__ import annotations

from oneedge import ONE_VERSION
from oneedge.errors import api_error
from oneedge.pool.types import ObjectType
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request


class SystemAPI:
    def __init__(self, core) -> None:
        self.core = core

    def version(self, req: Request) -> str:
        return ONE_VERSION

    def config(self, req: Request) -> str:
        req.require_admin(ObjectType.ZONE)
        return self.core.config.to_xml()

    def methods(self) -> list[Method]:
        return [
            method("one.system.version", self.version),
            method("one.system.config", self.config),
        ]


def _mask(text: str, what: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise api_error(f"Wrong {what} mask {text!r}: expected a hexadecimal string") from None


class AclAPI:
    def __init__(self, core) -> None:
        self.core = core

    def addrule(self, req: Request, user: str, resource: str, rights: str, zone: str = "*") -> int:
        req.require_admin(ObjectType.ACL)
        zone_mask = 0x400000000 if zone in ("*", "") else _mask(zone, "zone")
        with self.core.store.write() as conn:
            return self.core.acl.add(conn, _mask(user, "user"), _mask(resource, "resource"),
                                     _mask(rights, "rights"), zone_mask)

    def delrule(self, req: Request, oid: int) -> int:
        req.require_admin(ObjectType.ACL)
        with self.core.store.write() as conn:
            self.core.acl.delete(conn, oid)
        return oid

    def info(self, req: Request) -> str:
        req.require_admin(ObjectType.ACL)
        return self.core.acl.pool_xml()

    def methods(self) -> list[Method]:
        return [
            method("one.acl.addrule", self.addrule, str, str, str, str),
            method("one.acl.delrule", self.delrule, int),
            method("one.acl.info", self.info),
        ]
