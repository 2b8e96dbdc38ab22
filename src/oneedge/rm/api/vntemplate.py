"""``one.vntemplate.*`` and ``one.vntemplatepool.info``: templates networks are instantiated from."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from oneedge.errors import ErrorCode, RequestError, allocate_error, internal_error
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.vnet import DRIVER_NEEDS, split_ids
from oneedge.pool.vntemplate import VNTemplate
from oneedge.rm.api.shared import CopiableAPI, parse_template
from oneedge.rm.api.vnet import VirtualNetworkAPI
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import Template


def check_driver(template: Template) -> None:
    """VN_MAD and what its driver needs must be in a network template (VNTemplate::insert)."""
    vn_mad = template.get("VN_MAD") or ""
    if not vn_mad:
        raise internal_error("Error inserting Template in DB. VN_MAD is mandatory")
    for needed in DRIVER_NEEDS.get(vn_mad, ()):
        automatic = (template.get(f"AUTOMATIC_{needed}") or "").upper() == "YES"
        if not template.get(needed) and not automatic:
            raise internal_error(f"{needed} is mandatory for driver {vn_mad}")


class VNTemplateAPI(CopiableAPI[VNTemplate]):
    MISSING_NAME = "No NAME in template for Virtual Network Template."
    KIND = ObjectType.VNTEMPLATE
    PREFIX = "one.vntemplate"
    POOL_PREFIX = "one.vntemplatepool"
    POOL_ROOT = "VNTEMPLATE_POOL"
    VERBS = ("info", "pool_info", "update", "rename", "chown", "chmod", "lock", "unlock", "delete")

    def check_update(self, req: Request, conn: Connection, obj: VNTemplate, template: Template) -> None:
        check_driver(template)

    def _create(self, req: Request, conn: Connection, name: str, template: Template) -> int:
        check_driver(template)
        other = self.pool.get_by_name(conn, name, req.user.uid)
        if other is not None:
            raise internal_error(f"NAME is already taken by VNTEMPLATE {other.oid}.")
        user = req.user
        return self.pool.allocate(conn, VNTemplate.new(name, user.uid, user.gid, user.name, user.gname,
                                                       self.new_permissions(user.uid, user.gid), template))

    def instantiate(self, req: Request, oid: int, name: str = "", extra: str = "") -> int:
        """A new network from the template, merged with ``extra``; named ``name`` or
        ``<template name>-<network ID>``; in the template's CLUSTER_IDS (else cluster 0)."""
        with self.core.store.write() as conn:
            source = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.USE, source)
            template = source.template
            if extra.strip():
                template.merge(parse_template(extra))
            clusters = self.core.pools[ObjectType.CLUSTER]
            cluster_ids = {c for c in split_ids(template.get("CLUSTER_IDS") or "") if clusters.exists(conn, c)}
            template.remove("NAME")
            template.set("TEMPLATE_NAME", source.name)
            template.set("TEMPLATE_ID", str(oid))
            if name:
                template.set("NAME", name)
            try:
                vnet = self.core.api(VirtualNetworkAPI).create(req, conn, template, cluster_ids or {0})
            except RequestError as exc:
                if exc.code is not ErrorCode.INTERNAL:
                    raise
                raise allocate_error(ObjectType.NET.label, exc.message) from None
            return vnet.oid

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.vntemplate.allocate", self.allocate, str),
            method("one.vntemplate.clone", self.clone, int, str),
            method("one.vntemplate.instantiate", self.instantiate, int, str, str),
        ]
