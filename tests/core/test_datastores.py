"""Datastores through pyone and raw XML-RPC, and the pure datastore logic."""

from __future__ import annotations

import pytest

from oneedge.datastore.layout import MB, capacity, local_path, remote_scheme, size_mb, source_path
from oneedge.pool.datastore import DatastoreType, DiskType
from oneedge.pool.permissions import Permissions
from oneedge.rm.api.datastore import parse_datastore
from oneedge.template import parse
from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, INTERNAL, ALLOCATE = 0x200, 0x400, 0x800, 0x2000, 0x4000


# -- pure logic ------------------------------------------------------------------------------
def test_sizes_and_capacity():
    assert size_mb(0) == 0 and size_mb(1) == 1 and size_mb(MB) == 1 and size_mb(MB + 1) == 2
    cap = capacity(4096, 1024 * 1024, 256 * 1024)  # 4 GiB file system, 1 GiB available
    assert (cap.total_mb, cap.free_mb, cap.used_mb) == (4096, 1024, 3072)
    assert source_path("/ds/1", "abc") == "/ds/1/abc"
    with pytest.raises(ValueError):
        source_path("/ds/1", "../x")
    assert remote_scheme("https://example.org/a.qcow2") == "https"
    assert remote_scheme("/var/tmp/a.img") is None and remote_scheme("file:///a") is None
    assert local_path("file:///var/tmp/a") == "/var/tmp/a"


def test_parse_datastore_defaults_and_refusals():
    template = parse('TYPE = "image_ds"\nDS_MAD = "fs"\nTM_MAD = "ssh"')
    assert parse_datastore("d", template) == (DatastoreType.IMAGE_DS, "fs", "ssh", DiskType.FILE)
    assert (template.get("TYPE"), template.get("LN_TARGET"), template.get("SAFE_DIRS")) == ("IMAGE_DS", "SYSTEM", "/var/tmp")
    system = parse('TYPE = SYSTEM_DS\nTM_MAD = shared')
    assert parse_datastore("s", system)[1:3] == ("-", "shared")
    assert system.get("SHARED") == "YES"
    for text, reason in (('TYPE = SYSTEM_DS\nDS_MAD = fs\nTM_MAD = ssh', "cannot have DS_MAD"),
                         ('TM_MAD = ssh', "No DS_MAD"), ('DS_MAD = fs', "No TM_MAD"),
                         ('DS_MAD = nope\nTM_MAD = ssh', 'DS_MAD named "nope"'),
                         ('TYPE = WEIRD\nDS_MAD = fs\nTM_MAD = ssh', "Unknown datastore TYPE")):
        with pytest.raises(ValueError, match=reason):
            parse_datastore("x", parse(text))


def test_new_object_permissions_follow_the_umask():
    assert Permissions.for_new_object(0o177, 5, 1).octal() == "600"
    assert Permissions.for_new_object(0o137, 5, 1).octal() == "640"
    # Only objects of oneadmin's user or group may get ADMIN bits; 'other' needs ENABLE_OTHER_PERMISSIONS.
    assert Permissions.for_new_object(0o000, 5, 1).octal() == "666"
    assert Permissions.for_new_object(0o000, 0, 1).octal() == "777"
    assert Permissions.for_new_object(0o000, 5, 1, enable_other=False).octal() == "660"


# -- through the daemon ----------------------------------------------------------------------
def test_bootstrap_datastores(frontend):
    one = frontend.pyone()
    pool = one.datastorepool.info()
    assert [(d.ID, d.NAME, d.TYPE, d.DS_MAD, d.TM_MAD) for d in pool.DATASTORE] == [
        (2, "files", 2, "fs", "ssh"), (1, "default", 0, "fs", "ssh"), (0, "system", 1, "-", "ssh")]
    raw = frontend.raw()
    validate(raw.ok("one.datastorepool.info", -2, -1, -1), "datastore_pool")
    doc = validate(raw.ok("one.datastore.info", 1, False), "datastore")
    assert doc.findtext("BASE_PATH") == str(frontend.home / "datastores" / "1")
    total, free, used = (int(doc.findtext(t)) for t in ("TOTAL_MB", "FREE_MB", "USED_MB"))
    assert total > 0 and total == free + used
    assert [int(i.text) for i in doc.find("CLUSTERS")] == [0]
    cluster = one.cluster.info(0)
    assert sorted(cluster.DATASTORES.ID) == [0, 1, 2]


def test_datastore_lifecycle(frontend):
    one = frontend.pyone()
    raw = frontend.raw()
    ds = one.datastore.allocate('NAME = "edge"\nDS_MAD = "fs"\nTM_MAD = "shared"', -1)
    assert ds >= 100
    info = validate(raw.ok("one.datastore.info", ds, False), "datastore")
    assert (info.findtext("TYPE"), info.findtext("STATE"), info.findtext("PERMISSIONS/OWNER_U")) == ("0", "0", "1")
    assert ds in one.cluster.info(0).DATASTORES.ID
    one.datastore.update(ds, 'COMPATIBLE_SYS_DS = "0"', 1)
    assert one.datastore.info(ds).TEMPLATE["COMPATIBLE_SYS_DS"] == "0"
    one.datastore.rename(ds, "edge2")
    assert one.datastore.info(ds).NAME == "edge2"
    one.datastore.chmod(ds, -1, -1, -1, 1, -1, -1, 1, -1, -1)
    assert validate(raw.ok("one.datastore.info", ds, False), "datastore").findtext("PERMISSIONS/OTHER_U") == "1"
    one.datastore.chown(ds, -1, 1)
    assert one.datastore.info(ds).GNAME == "users"
    system = one.datastore.allocate('NAME = "sys2"\nTYPE = "SYSTEM_DS"\nTM_MAD = "ssh"', 0)
    one.datastore.enable(system, False)
    assert one.datastore.info(system).STATE == 1
    one.datastore.enable(system, True)
    assert one.datastore.info(system).STATE == 0
    for oid in (ds, system):
        one.datastore.delete(oid)
        raw.fails("one.datastore.info", oid, False, code=NO_EXISTS)
    assert ds not in one.cluster.info(0).DATASTORES.ID


def test_datastore_errors_change_nothing(frontend):
    raw = frontend.raw()
    before = raw.ok("one.datastorepool.info", -2, -1, -1)
    raw.fails("one.datastore.allocate", 'NAME = "x"\nTM_MAD = "ssh"', -1, code=ALLOCATE)
    raw.fails("one.datastore.allocate", 'NAME = "x"\nDS_MAD = "fs"\nTM_MAD = "nope"', -1, code=ALLOCATE)
    raw.fails("one.datastore.allocate", 'NAME = "default"\nDS_MAD = "fs"\nTM_MAD = "ssh"', -1, code=ALLOCATE)
    raw.fails("one.datastore.allocate", 'NAME = [ broken', -1, code=INTERNAL)
    raw.fails("one.datastore.allocate", 'NAME = "x"\nDS_MAD = "fs"\nTM_MAD = "ssh"', 999, code=NO_EXISTS)
    raw.fails("one.datastore.info", 999, False, code=NO_EXISTS)
    raw.fails("one.datastore.enable", 1, False, code=ACTION)
    raw.fails("one.datastore.update", 1, 'TM_MAD = "nope"', 1, code=ACTION)
    raw.ok("one.user.allocate", "ds-user", "pw", "", [])
    user = frontend.raw("ds-user:pw")
    user.fails("one.datastore.allocate", 'NAME = "mine"\nDS_MAD = "fs"\nTM_MAD = "ssh"', -1, code=AUTHORIZATION)
    user.fails("one.datastore.delete", 2, code=AUTHORIZATION)
    user.fails("one.datastore.update", 1, 'X = "y"', 1, code=AUTHORIZATION)
    assert raw.ok("one.datastorepool.info", -2, -1, -1).count("<DATASTORE>") == before.count("<DATASTORE>")
    assert "<X>" not in raw.ok("one.datastore.info", 1, False)
    assert "nope" not in raw.ok("one.datastore.info", 1, False)
