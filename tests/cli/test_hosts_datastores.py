"""onehost and onedatastore against a real front-end: OpenNebula's default columns,
-x/-j/-y shapes, state changes, and one-line errors that change nothing."""

from __future__ import annotations

import json

from support.cli import table

HOST_COLUMNS = ["ID", "NAME", "CLUSTER", "TVM", "ALLOCATED_CPU", "ALLOCATED_MEM", "STAT"]
DS_COLUMNS = ["ID", "NAME", "SIZE", "AVAIL", "CLUSTERS", "IMAGES", "TYPE", "DS", "TM", "STAT"]


def _host(cli, name):
    return json.loads(cli.ok("onehost", "show", name, "-j"))["HOST"]


def test_host_create_list_show_and_formats(cli, frontend):
    hid = cli.new_id("onehost", "create", "h1", "--im", "dummy", "--vm", "dummy")
    cli.new_id("onehost", "create", "h2", "--type", "dummy", "-c", "default")
    rows = table(cli.ok("onehost", "list"))
    assert rows[0] == HOST_COLUMNS
    named = {r[1]: r for r in rows[1:]}
    assert named["h1"][:4] == [str(hid), "h1", "default", "0"]
    host = frontend.pyone().host.info(hid)
    assert (host.IM_MAD, host.VM_MAD) == ("dummy", "dummy")
    lines = cli.ok("onehost", "show", "h1").splitlines()
    assert lines[0] == f"HOST {hid} INFORMATION"
    assert "IM_MAD              : dummy" in lines and "HOST SHARES" in lines and "VIRTUAL MACHINES" in lines
    assert cli.ok("onehost", "show", "h1", "-x").startswith(f"<HOST>\n  <ID>{hid}</ID>\n  <NAME>h1</NAME>")
    assert _host(cli, "h1")["VM_MAD"] == "dummy"
    assert cli.ok("onehost", "show", "h1", "-y").startswith(f"---\nHOST:\n    ID: '{hid}'")
    pool = json.loads(cli.ok("onehost", "list", "-j"))["HOST_POOL"]["HOST"]
    assert isinstance(pool, list) and {h["NAME"] for h in pool} == {"h1", "h2"}
    assert cli.ok("onehost", "list", "--csv", "-l", "NAME,CLUSTER", "-f", "NAME=h2") == "NAME,CLUSTER\nh2,default\n"


def test_host_states_rename_update_delete(cli, frontend):
    hid = cli.new_id("onehost", "create", "h3", "--type", "dummy")
    cli.ok("onehost", "disable", "h3")
    assert _host(cli, "h3")["STATE"] == "4"
    assert table(cli.ok("onehost", "list", "-l", "NAME,STAT", "-f", "NAME=h3", "--no-header")) == [["h3", "dsbl"]]
    cli.ok("onehost", "offline", str(hid))
    assert _host(cli, "h3")["STATE"] == "8"
    cli.ok("onehost", "enable", "h3")
    assert _host(cli, "h3")["STATE"] in ("0", "2")
    cli.ok("onehost", "update", "h3", "--append", "-", input='LABEL="edge"\n')
    assert frontend.pyone().host.info(hid).TEMPLATE["LABEL"] == "edge"
    cli.ok("onehost", "rename", "h3", "h3b")
    assert frontend.pyone().host.info(hid).NAME == "h3b"
    cli.ok("onehost", "flush", "h3b")
    assert _host(cli, "h3b")["STATE"] == "4"
    cli.ok("onehost", "delete", "h3b")
    assert "h3b" not in cli.ok("onehost", "list")


def test_host_errors_change_nothing(cli):
    cli.new_id("onehost", "create", "h4", "--type", "dummy")
    # Monitoring updates hosts on its own: compare what commands could change.
    view = ("list", "--csv", "-l", "ID,NAME,CLUSTER")
    assert cli.fails_unchanged("onehost", "show", "nosuch", view=view) == "HOST named nosuch not found."
    assert cli.fails_unchanged("onehost", "show", "9999", view=view) == "[one.host.info] Error getting host [9999]."
    assert cli.fails_unchanged("onehost", "disable", "nosuch", view=view) == "HOST named nosuch not found."
    assert cli.fails_unchanged("onehost", "delete", "9999", view=view).startswith("[one.host.delete]")
    line = cli.fails_unchanged("onehost", "create", "h5", "--im", "dummy", status=2, view=view)
    assert line == "onehost create: give --type, or both --im and --vm"
    assert cli.fails_unchanged("onehost", "create", "h5", "--type", "dummy", "-c", "nosuch", view=view) == \
        "CLUSTER named nosuch not found."
    assert cli.fails_unchanged("onehost", "create", "h4", "--type", "dummy", view=view).startswith(
        "[one.host.allocate]")
    assert "unrecognized arguments: --bogus" in cli.fails_unchanged("onehost", "enable", "h4", "--bogus", status=2,
                                                                    view=view)
    assert "the following arguments are required: RANGE" in cli.fails_unchanged("onehost", "delete", status=2,
                                                                                 view=view)


def test_datastore_list_show_create_and_states(cli, frontend):
    rows = table(cli.ok("onedatastore", "list"))
    assert rows[0] == DS_COLUMNS
    assert {r[1]: (r[0], r[6]) for r in rows[1:]} == {"system": ("0", "sys"), "default": ("1", "img"),
                                                      "files": ("2", "fil")}
    lines = cli.ok("onedatastore", "show", "default").splitlines()
    assert lines[0] == "DATASTORE 1 INFORMATION" and "TYPE                : IMAGE" in lines
    assert json.loads(cli.ok("onedatastore", "show", "1", "-j"))["DATASTORE"]["NAME"] == "default"
    pool = json.loads(cli.ok("onedatastore", "list", "-j"))["DATASTORE_POOL"]["DATASTORE"]
    assert sorted(d["ID"] for d in pool) == ["0", "1", "2"]
    dsid = cli.new_id("onedatastore", "create", "-c", "default", input='NAME="more"\nDS_MAD="fs"\nTM_MAD="ssh"\n')
    assert frontend.pyone().datastore.info(dsid).NAME == "more"
    assert cli.fails("onedatastore", "disable", "more") == \
        "[one.datastore.enable] Only SYSTEM_DS can be disabled or enabled"
    cli.ok("onedatastore", "disable", "system")
    assert table(cli.ok("onedatastore", "list", "-l", "NAME,STAT", "-f", "NAME=system", "--no-header")) == \
        [["system", "off"]]
    cli.ok("onedatastore", "enable", "0")
    assert frontend.pyone().datastore.info(0).STATE == 0
    cli.ok("onedatastore", "chmod", "more", "644")
    assert frontend.pyone().datastore.info(dsid).PERMISSIONS.OTHER_U == 1
    cli.ok("onedatastore", "rename", "more", "extra")
    cli.ok("onedatastore", "delete", "extra")
    assert "extra" not in cli.ok("onedatastore", "list")


def test_datastore_errors_change_nothing(cli):
    # Free space changes on its own: compare what commands could change.
    view = ("list", "--csv", "-l", "ID,NAME,CLUSTERS,IMAGES,TYPE,DS,TM,STAT")
    assert cli.fails_unchanged("onedatastore", "show", "nosuch", view=view) == "DATASTORE named nosuch not found."
    assert cli.fails_unchanged("onedatastore", "show", "77", view=view).startswith("[one.datastore.info]")
    assert cli.fails_unchanged("onedatastore", "create", "/nonexistent/ds.tmpl", view=view).startswith(
        "File `/nonexistent/ds.tmpl` cannot be read")
    assert cli.fails_unchanged("onedatastore", "create", input='NAME="x"\n', view=view).startswith("[one.datastore.allocate]")
    assert cli.fails_unchanged("onedatastore", "chmod", "default", "9", status=2, view=view).startswith("bad octet")
    assert cli.fails_unchanged("onedatastore", "list", "-l", "NOPE", status=2, view=view).startswith("Column NOPE not defined.")
