"""Marketplaces: ``<MARKETPLACE>`` documents (marketplace.xsd) listing their apps."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from lxml import etree

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template

table = pool_table("marketplace_pool")


class MarketState(IntEnum):
    ENABLED = 0
    DISABLED = 1


@dataclass(frozen=True)
class MarketMad:
    """A marketplace driver as oned.conf's MARKET_MAD_CONF describes it: what a template
    must give, and which app actions the market allows (public markets are read-only)."""

    name: str
    required: tuple[str, ...]
    app_actions: frozenset[str]
    public: bool


MARKET_MADS: dict[str, MarketMad] = {mad.name: mad for mad in (
    MarketMad("one", (), frozenset({"monitor"}), True),
    MarketMad("http", ("BASE_URL", "PUBLIC_DIR"), frozenset({"create", "delete", "monitor"}), False),
    MarketMad("s3", ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "REGION", "BUCKET"),
              frozenset({"create", "delete", "monitor"}), False),
    MarketMad("linuxcontainers", (), frozenset({"monitor"}), True),
    MarketMad("turnkeylinux", (), frozenset({"monitor"}), True),
    MarketMad("dockerhub", (), frozenset({"monitor"}), True),
    MarketMad("docker_registry", ("BASE_URL",), frozenset({"monitor"}), True),
)}


def check_market_template(template: Template) -> MarketMad:
    """The driver a marketplace template names; ValueError with OpenNebula's reason if unusable."""
    name = template.get("MARKET_MAD") or ""
    if not name:
        raise ValueError("No marketplace driver (MARKET_MAD) in template.")
    mad = MARKET_MADS.get(name)
    if mad is None:
        raise ValueError(f'MARKET_MAD_CONF named "{name}" is not defined in oned.conf')
    for attr in mad.required:
        if not template.get(attr):
            raise ValueError(f'MarketPlace template is missing the "{attr}" attribute or it\'s empty.')
    return mad


class Market(PoolObject):
    TABLE = table
    TYPE = ObjectType.MARKETPLACE
    ROOT = "MARKETPLACE"

    @classmethod
    def new(cls, name: str, uid: int, uname: str, gid: int, gname: str, perms: Permissions,
            market_mad: str, zone_id: int, template: Template) -> Market:
        root = xml.element("MARKETPLACE", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name,
                           STATE=int(MarketState.ENABLED), MARKET_MAD=market_mad, ZONE_ID=zone_id,
                           TOTAL_MB=0, FREE_MB=0, USED_MB=0)
        root.append(etree.Element("MARKETPLACEAPPS"))
        root.append(perms.to_xml())
        root.append(template.to_xml())
        return cls(root)

    @property
    def mad(self) -> MarketMad:
        return MARKET_MADS[self.get("MARKET_MAD", "") or ""]

    @property
    def enabled(self) -> bool:
        return self.get_int("STATE") == MarketState.ENABLED

    @property
    def apps(self) -> set[int]:
        return xml.id_set(self.root.find("MARKETPLACEAPPS"))

    def set_apps(self, ids: set[int]) -> None:
        self.root.replace(self.root.find("MARKETPLACEAPPS"), xml.ids("MARKETPLACEAPPS", ids))
