"""Clusters: the default cluster, membership of hosts, datastores and networks."""

from __future__ import annotations

import pyone
import pytest

from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, ALLOCATE = 0x200, 0x400, 0x800, 0x4000

VNET = 'NAME = "{name}"\nVN_MAD = "dummy"\nBRIDGE = "br0"\nAR = [ TYPE = "IP4", IP = "10.9.0.1", SIZE = "4" ]'


def test_default_cluster_and_pool(frontend):
    raw = frontend.raw()
    pool = validate(raw.ok("one.clusterpool.info"), "cluster_pool")
    default = pool.find("CLUSTER")
    assert (default.findtext("ID"), default.findtext("NAME")) == ("0", "default")
    # The bootstrap datastores and the default security group's networks live in cluster 0.
    assert {"0", "1", "2"} <= {n.text for n in default.iterfind("DATASTORES/ID")}


def test_membership_of_datastores_and_networks(frontend):
    one = frontend.pyone()
    raw = frontend.raw()
    cid = one.cluster.allocate("edge-members")
    assert cid >= 100
    vnet = one.vn.allocate(VNET.format(name="members-net"), -1)
    assert vnet in one.cluster.info(0).VNETS.ID

    one.cluster.addvnet(cid, vnet)
    one.cluster.adddatastore(cid, 1)
    cluster = validate(raw.ok("one.cluster.info", cid, False), "cluster")
    assert [n.text for n in cluster.iterfind("VNETS/ID")] == [str(vnet)]
    assert [n.text for n in cluster.iterfind("DATASTORES/ID")] == ["1"]
    # Datastores and networks may be in several clusters at once.
    assert sorted(one.vn.info(vnet).CLUSTERS.ID) == [0, cid]
    assert sorted(one.datastore.info(1).CLUSTERS.ID) == [0, cid]

    with pytest.raises(pyone.OneActionException):
        one.cluster.delete(cid)
    one.cluster.delvnet(cid, vnet)
    one.cluster.deldatastore(cid, 1)
    assert one.vn.info(vnet).CLUSTERS.ID == [0]
    assert one.datastore.info(1).CLUSTERS.ID == [0]
    raw.fails("one.cluster.delvnet", cid, vnet, code=ACTION)
    one.cluster.delete(cid)
    raw.fails("one.cluster.info", cid, False, code=NO_EXISTS)


def test_update_rename_and_refusals(frontend):
    one = frontend.pyone()
    raw = frontend.raw()
    cid = one.cluster.allocate("edge-update")
    one.cluster.update(cid, 'RESERVED_CPU = "10"\nLOCATION = "rack 4"', 0)
    one.cluster.update(cid, 'OWNER = "ops"', 1)
    template = one.cluster.info(cid).TEMPLATE
    assert (template["RESERVED_CPU"], template["LOCATION"], template["OWNER"]) == ("10", "rack 4", "ops")
    one.cluster.rename(cid, "edge-renamed")
    assert one.cluster.info(cid).NAME == "edge-renamed"
    raw.fails("one.cluster.allocate", "edge-renamed", code=ALLOCATE)
    raw.fails("one.cluster.rename", cid, "default", code=ACTION)
    raw.fails("one.cluster.delete", 0, code=ACTION)
    raw.fails("one.cluster.addvnet", cid, 9999, code=NO_EXISTS)
    raw.fails("one.cluster.adddatastore", 9999, 1, code=NO_EXISTS)

    raw.ok("one.user.allocate", "cluster-user", "pw", "", [])
    user = frontend.raw("cluster-user:pw")
    before = raw.ok("one.cluster.info", cid, False)
    user.fails("one.cluster.allocate", "mine", code=AUTHORIZATION)
    user.fails("one.cluster.adddatastore", cid, 1, code=AUTHORIZATION)
    user.fails("one.cluster.update", cid, 'X = "1"', 1, code=AUTHORIZATION)
    user.fails("one.cluster.delete", cid, code=AUTHORIZATION)
    assert raw.ok("one.cluster.info", cid, False) == before
