"""Hosts: allocate, info, status, update, rename, delete, monitoring; the Host document's capacity API."""

from __future__ import annotations

import time

import pyone
import pytest
from lxml import etree

from oneedge.pool import host as hosts
from oneedge.pool.host import Host, HostState, HugePage, NumaCore, NumaNode, reserved
from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, INTERNAL = 0x200, 0x400, 0x800, 0x2000



@pytest.fixture(scope="module")
def user(frontend):
    frontend.raw().ok("one.user.allocate", "hostuser", "pw", "", [])
    return frontend.raw("hostuser:pw")


def host_names(frontend) -> list[str]:
    pool = validate(frontend.raw().ok("one.hostpool.info"), "host_pool")
    return [h.findtext("NAME") for h in pool]


def test_allocate_and_info(frontend):
    one = frontend.pyone()
    hid = one.host.allocate("node-a", "kvm", "kvm", -1)
    doc = validate(frontend.raw().ok("one.host.info", hid, False), "host")
    assert [doc.findtext(t) for t in ("NAME", "STATE", "IM_MAD", "VM_MAD", "CLUSTER_ID", "CLUSTER")] == [
        "node-a", "0", "kvm", "kvm", "0", "default"]
    assert doc.findtext("HOST_SHARE/VMS_THREAD") == "1" and doc.find("MONITORING") is not None
    host = one.host.info(hid)
    assert host.TEMPLATE["IM_MAD"] == "kvm" and "RESERVED_CPU" in host.TEMPLATE
    assert hid in one.cluster.info(0).HOSTS.ID
    cid = one.cluster.allocate("edge")
    other = one.host.allocate("node-b", "lxc", "lxc", cid)
    assert (one.host.info(other).CLUSTER_ID, one.host.info(other).CLUSTER) == (cid, "edge")
    assert one.cluster.info(cid).HOSTS.ID == [other] and other not in one.cluster.info(0).HOSTS.ID
    assert {"node-a", "node-b"} <= set(host_names(frontend))


def test_allocate_refusals_change_nothing(frontend, user):
    raw = frontend.raw()
    raw.ok("one.host.allocate", "dup", "kvm", "kvm", -1)
    before = host_names(frontend)
    assert "NAME is already taken by HOST" in raw.fails("one.host.allocate", "dup", "kvm", "kvm", -1, code=INTERNAL)
    for bad in ("x", "-node", "has space", "a" * 64):
        assert "Invalid HOSTNAME" in raw.fails("one.host.allocate", bad, "kvm", "kvm", -1, code=INTERNAL)
    assert "IM_MAD_NAME" in raw.fails("one.host.allocate", "node-c", "", "kvm", -1, code=INTERNAL)
    assert "VMM_MAD_NAME" in raw.fails("one.host.allocate", "node-c", "kvm", "", -1, code=INTERNAL)
    assert "Error getting cluster [999]" in raw.fails("one.host.allocate", "node-c", "kvm", "kvm", 999,
                                                      code=NO_EXISTS)
    user.fails("one.host.allocate", "node-c", "kvm", "kvm", -1, code=AUTHORIZATION)
    assert host_names(frontend) == before
    assert sorted(frontend.pyone().cluster.info(0).HOSTS.ID) == sorted(
        h.ID for h in frontend.pyone().hostpool.info().HOST if h.CLUSTER_ID == 0)


def test_status(frontend, user):
    raw = frontend.raw()
    hid = raw.ok("one.host.allocate", "node-s", "kvm", "kvm", -1)

    def state() -> int:
        return int(validate(raw.ok("one.host.info", hid, False), "host").findtext("STATE"))

    raw.ok("one.host.status", hid, 1)
    assert state() == HostState.DISABLED
    user.fails("one.host.status", hid, 0, code=AUTHORIZATION)
    assert "Wrong status code" in raw.fails("one.host.status", hid, 7, code=INTERNAL)
    assert state() == HostState.DISABLED
    raw.ok("one.host.status", hid, 2)
    assert state() == HostState.OFFLINE
    doc = validate(raw.ok("one.host.info", hid, False), "host")
    assert doc.findtext("PREV_STATE") == str(int(HostState.DISABLED))
    raw.ok("one.host.status", hid, 0)
    assert state() == HostState.INIT
    raw.fails("one.host.status", 9999, 0, code=NO_EXISTS)


def test_update_drivers_and_reservations(frontend, user):
    one, raw = frontend.pyone(), frontend.raw()
    hid = one.host.allocate("node-u", "kvm", "kvm", -1)
    one.host.update(hid, 'IM_MAD = "lxc"\nVM_MAD = ""\nRESERVED_CPU = "50"\nLABEL = "edge"', 0)
    host = one.host.info(hid)
    assert (host.IM_MAD, host.VM_MAD, host.TEMPLATE["IM_MAD"], host.TEMPLATE["VM_MAD"]) == ("lxc", "kvm", "lxc", "kvm")
    one.host.update(hid, 'NOTE = "x"', 1)
    assert one.host.info(hid).TEMPLATE["LABEL"] == "edge" and one.host.info(hid).TEMPLATE["NOTE"] == "x"
    before = raw.ok("one.host.info", hid, False)
    raw.fails("one.host.update", hid, "BROKEN = [ A =", 0, code=INTERNAL)
    user.fails("one.host.update", hid, 'LABEL = "mine"', 1, code=AUTHORIZATION)
    assert raw.ok("one.host.info", hid, False) == before
    validate(before, "host")


def test_rename(frontend, user):
    one, raw = frontend.pyone(), frontend.raw()
    hid = one.host.allocate("node-r", "kvm", "kvm", -1)
    one.host.allocate("node-taken", "kvm", "kvm", -1)
    one.host.rename(hid, "node-renamed")
    assert one.host.info(hid).NAME == "node-renamed"
    raw.fails("one.host.rename", hid, "node-taken", code=ACTION)
    user.fails("one.host.rename", hid, "node-mine", code=AUTHORIZATION)
    assert one.host.info(hid).NAME == "node-renamed"


def test_delete(frontend, user):
    one, raw = frontend.pyone(), frontend.raw()
    cid = one.cluster.allocate("doomed-cluster")
    hid = one.host.allocate("node-d", "kvm", "kvm", cid)
    busy = one.host.allocate("node-busy", "kvm", "kvm", cid)
    with frontend.database() as store, store.write() as conn:
        host = Host.from_body(raw.ok("one.host.info", busy, False))
        host.add_vm(42, 100, 1024)
        conn.execute(Host.TABLE.update().where(Host.TABLE.c.oid == busy).values(body=host.body()))
    user.fails("one.host.delete", hid, code=AUTHORIZATION)
    message = raw.fails("one.host.delete", busy, code=ACTION)
    assert "Can not remove a host with running VMs" in message
    assert sorted(one.cluster.info(cid).HOSTS.ID) == sorted([hid, busy])
    one.host.delete(hid)
    raw.fails("one.host.info", hid, False, code=NO_EXISTS)
    assert one.cluster.info(cid).HOSTS.ID == [busy]
    raw.fails("one.host.delete", hid, code=NO_EXISTS)


def test_monitoring(frontend, user):
    one, raw = frontend.pyone(), frontend.raw()
    hid = one.host.allocate("node-m", "kvm", "kvm", -1)
    other = one.host.allocate("node-m2", "kvm", "kvm", -1)
    validate(raw.ok("one.host.monitoring", hid), "monitoring_data")
    assert validate(raw.ok("one.host.monitoring", hid), "monitoring_data").find("MONITORING") is None
    now = int(time.time())
    records = {(hid, now - 300): 10, (hid, now - 10): 20, (other, now - 5): 30}
    with frontend.database() as store, store.write() as conn:
        for (host_id, stamp), used in records.items():
            hosts.add_monitoring(conn, host_id, stamp, (
                f"<MONITORING><TIMESTAMP>{stamp}</TIMESTAMP><ID>{host_id}</ID><CAPACITY><FREE_CPU>90</FREE_CPU>"
                f"<FREE_MEMORY>1000</FREE_MEMORY><USED_CPU>{used}</USED_CPU><USED_MEMORY>24</USED_MEMORY>"
                "</CAPACITY></MONITORING>"))

    def used_cpu(document: str) -> list[str]:
        # NOTE: monitoring_data.xsd describes VM records: only an empty MONITORING_DATA of
        # hosts validates against it. Host records follow host.xsd's MONITORING (checked
        # through one.host.info below).
        root = etree.fromstring(document.encode())
        assert root.tag == "MONITORING_DATA"
        if len(root) == 0:
            validate(document, "monitoring_data")
        return [m.findtext("CAPACITY/USED_CPU") for m in root.iterfind("MONITORING")]

    assert used_cpu(raw.ok("one.host.monitoring", hid)) == ["10", "20"]
    info = validate(raw.ok("one.host.info", hid, False), "host")
    assert info.findtext("MONITORING/CAPACITY/USED_CPU") == "20"
    assert used_cpu(raw.ok("one.hostpool.monitoring", 0)) == ["20", "30"]
    assert used_cpu(raw.ok("one.hostpool.monitoring", -1)) == ["10", "20", "30"]
    assert used_cpu(raw.ok("one.hostpool.monitoring", 60)) == ["20", "30"]
    assert one.host.monitoring(hid).MONITORING[1].TIMESTAMP == now - 10
    user.fails("one.host.monitoring", hid, code=AUTHORIZATION)
    assert used_cpu(user.ok("one.hostpool.monitoring", -1)) == []
    raw.fails("one.host.monitoring", 9999, code=NO_EXISTS)
    one.host.delete(other)
    assert used_cpu(raw.ok("one.hostpool.monitoring", -1)) == ["10", "20"]


def test_clusters_move_and_rename_hosts(frontend):
    one, raw = frontend.pyone(), frontend.raw()
    hid = one.host.allocate("node-c", "kvm", "kvm", -1)
    cid = one.cluster.allocate("moving")
    one.cluster.addhost(cid, hid)
    assert (one.host.info(hid).CLUSTER_ID, one.host.info(hid).CLUSTER) == (cid, "moving")
    assert hid not in one.cluster.info(0).HOSTS.ID and one.cluster.info(cid).HOSTS.ID == [hid]
    one.cluster.rename(cid, "moved")
    assert validate(raw.ok("one.host.info", hid, False), "host").findtext("CLUSTER") == "moved"
    one.cluster.delhost(cid, hid)
    assert one.host.info(hid).CLUSTER_ID == 0 and hid in one.cluster.info(0).HOSTS.ID
    raw.fails("one.cluster.delete", 0, code=ACTION)


def test_pyone_sees_hosts(frontend):
    one = frontend.pyone()
    hid = one.host.allocate("node-p", "kvm", "kvm", -1)
    assert hid in [h.ID for h in one.hostpool.info().HOST]
    with pytest.raises(pyone.OneNoExistsException):
        one.host.info(99999)


# -- the Host document, in Python ---------------------------------------------------------------
def new_host() -> Host:
    host = Host.new("unit", "kvm", "kvm", 0, "default")
    host.oid = 7
    return host


def test_reserved():
    assert reserved(400, "") == 400
    assert reserved(400, "100") == 300
    assert reserved(400, "25%") == 300
    assert reserved(400, " 10 ") == 390
    assert reserved(400, "lots") == 400


def test_capacity_and_vms():
    host = new_host()
    host.set_capacity(800, 16_000_000, "100", "10%")
    host.add_vm(3, 150, 2_000_000, 10_240)
    host.add_vm(4, 50, 1_000_000)
    share = host.share()
    assert (share.total_cpu, share.max_cpu, share.total_mem, share.max_mem) == (800, 700, 16_000_000, 14_400_000)
    assert (share.cpu_usage, share.mem_usage, share.disk_usage, share.running_vms) == (200, 3_000_000, 10_240, 2)
    assert host.vms == {3, 4}
    with pytest.raises(ValueError):
        host.add_vm(3, 1, 1)
    host.del_vm(3, 150, 2_000_000, 10_240)
    with pytest.raises(ValueError):
        host.del_vm(3, 150, 2_000_000)
    assert (host.share().cpu_usage, host.share().running_vms, host.vms) == (50, 1, {4})
    validate(host.body(), "host")


def test_status_transitions():
    host = new_host()
    host.disable()
    host.enable()
    assert host.state is HostState.INIT  # nothing monitored yet
    host.set_capacity(400, 1000)
    host.disable()
    host.enable()
    assert host.state is HostState.MONITORED
    template = host.template
    template.set("TOTALCPU", "400")
    template.set("LABEL", "kept")
    host.template = template
    host.offline()
    assert host.state is HostState.OFFLINE and host.share().max_cpu == 0
    assert host.template.get("TOTALCPU") is None and host.template.get("LABEL") == "kept"
    assert host.columns() == {"state": int(HostState.OFFLINE), "cid": 0}


def test_devices_follow_the_xsd():
    host = new_host()
    host.set_datastores(1000, 600, 400, [{"ID": 0, "TOTAL_MB": 1000, "FREE_MB": 600, "USED_MB": 400}])
    pci = {"ADDRESS": "0000:02:00:0", "BUS": "02", "CLASS": "0300", "CLASS_NAME": "VGA", "DEVICE": "1db4",
           "DEVICE_NAME": "Tesla", "DOMAIN": "0000", "FUNCTION": "0", "NUMA_NODE": "0", "SHORT_ADDRESS": "02:00.0",
           "SLOT": "00", "TYPE": "10de:1db4:0300", "VENDOR": "10de", "VENDOR_NAME": "NVIDIA", "VMID": -1}
    host.set_pci_devices([pci])
    host.set_numa_nodes([NumaNode(0, 16_000_000, cores=(NumaCore(0, "0,4"), NumaCore(1, "1,5", free=1)),
                                  hugepages=(HugePage(2048, 10),))])
    document = validate(host.body(), "host")
    assert document.findtext("HOST_SHARE/DATASTORES/DS/TOTAL_MB") == "1000"
    assert document.findtext("HOST_SHARE/NUMA_NODES/NODE/CORE/CPUS") == "0,4"
    assert host.pci_devices()[0]["VENDOR_NAME"] == "NVIDIA"
    with pytest.raises(ValueError, match="unknown PCI fields"):
        host.set_pci_devices([{**pci, "COLOR": "green"}])
    with pytest.raises(ValueError, match="PCI lacks"):
        host.set_pci_devices([{"ADDRESS": "x"}])
