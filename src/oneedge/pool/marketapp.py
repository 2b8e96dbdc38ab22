"""Marketplace apps: ``<MARKETPLACEAPP>`` documents (marketplaceapp.xsd)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import IntEnum

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template

table = pool_table("marketplaceapp_pool")


class AppState(IntEnum):
    INIT = 0
    READY = 1
    LOCKED = 2
    ERROR = 3
    DISABLED = 4


class AppType(IntEnum):
    UNKNOWN = 0
    IMAGE = 1
    VMTEMPLATE = 2
    SERVICE_TEMPLATE = 3


@dataclass(frozen=True)
class AppSpec:
    name: str
    app_type: AppType
    origin_id: str
    description: str
    version: str
    apptemplate64: str


def parse_app(template: Template) -> AppSpec:
    """What ``one.marketapp.allocate`` takes out of a template (MarketPlaceApp::parse_template);
    attributes the driver sets after export are dropped. ValueError when not acceptable."""
    name = template.get("NAME") or ""
    type_text = (template.get("TYPE") or "IMAGE").strip().upper()
    try:
        app_type = AppType[type_text]
    except KeyError:
        raise ValueError(f"Unknown marketplace app TYPE {type_text!r}") from None
    origin = template.get("ORIGIN_ID")
    if origin is None:
        raise ValueError("Missing ORIGIN_ID for the MARKETPLACEAPP")
    for attr in ("NAME", "ZONE_ID", "SOURCE", "SIZE", "MD5", "FORMAT", "REGTIME", "ORIGIN_ID"):
        template.remove(attr)
    return AppSpec(name, app_type, origin, template.get("DESCRIPTION") or "", template.get("VERSION") or "0.0",
                   template.get("APPTEMPLATE64") or "")


class MarketApp(PoolObject):
    TABLE = table
    TYPE = ObjectType.MARKETPLACEAPP
    ROOT = "MARKETPLACEAPP"
    LOCK_AFTER = "GNAME"

    @classmethod
    def new(cls, spec: AppSpec, uid: int, uname: str, gid: int, gname: str, perms: Permissions,
            zone_id: int, market_id: int, market_name: str, template: Template) -> MarketApp:
        """A new app: templates are READY at once; images wait LOCKED for the driver's export."""
        state = AppState.LOCKED if spec.app_type is AppType.IMAGE else AppState.READY
        root = xml.element(
            "MARKETPLACEAPP", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, REGTIME=int(time.time()),
            NAME=spec.name, ZONE_ID=zone_id, ORIGIN_ID=spec.origin_id, SOURCE="", MD5="", SIZE=0,
            DESCRIPTION=spec.description, VERSION=spec.version, FORMAT="", APPTEMPLATE64=spec.apptemplate64,
            MARKETPLACE_ID=market_id, MARKETPLACE=market_name, STATE=int(state), TYPE=int(spec.app_type))
        root.append(perms.to_xml())
        root.append(template.to_xml())
        return cls(root)

    @property
    def state(self) -> AppState:
        return AppState(self.get_int("STATE"))

    @property
    def market_id(self) -> int:
        return self.get_int("MARKETPLACE_ID", -1)
