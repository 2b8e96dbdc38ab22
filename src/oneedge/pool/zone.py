"""Zones: ``<ZONE>`` documents (zone.xsd). oneedge runs one zone, 0 "OpenNebula", without federation."""

from __future__ import annotations

from enum import IntEnum

from lxml import etree

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import AdminOwned, PoolObject
from oneedge.pool.types import ObjectType
from oneedge.template import SingleAttribute, Template

table = pool_table("zone_pool")

LOCAL_ZONE_ID = 0
LOCAL_ZONE_NAME = "OpenNebula"
#: Zone IDs below 100 are reserved for system zones (ZonePool.cc).
FIRST_ZONE_ID = 100


class ZoneState(IntEnum):
    ENABLED = 0
    DISABLED = 1


class RaftState(IntEnum):
    """RaftManager::State; a front-end without federation servers is SOLO."""

    SOLO = 0
    CANDIDATE = 1
    FOLLOWER = 2
    LEADER = 3


class Zone(AdminOwned, PoolObject):
    TABLE = table
    FIRST_OID = FIRST_ZONE_ID
    TYPE = ObjectType.ZONE
    ROOT = "ZONE"

    @classmethod
    def new(cls, name: str, endpoint: str) -> Zone:
        root = xml.element("ZONE", ID=-1, NAME=name, STATE=int(ZoneState.ENABLED))
        root.append(Template([SingleAttribute("ENDPOINT", endpoint)]).to_xml())
        root.append(etree.Element("SERVER_POOL"))
        return cls(root)


    def with_endpoint(self, endpoint: str) -> str:
        """The document with TEMPLATE/ENDPOINT set to ``endpoint``."""
        copy = Zone.from_body(self.body())
        copy.root.find("TEMPLATE/ENDPOINT").text = etree.CDATA(endpoint)
        return copy.body()


def solo_raft_status() -> str:
    """``one.zone.raftstatus`` of a server outside any HA cluster (RaftManager::to_xml in SOLO)."""
    return xml.tostring(xml.element("RAFT", SERVER_ID=-1, STATE=int(RaftState.SOLO), TERM=0, VOTEDFOR=-1,
                                    COMMIT=0, LOG_INDEX=-1, LOG_TERM=-1, FEDLOG_INDEX=-1))
