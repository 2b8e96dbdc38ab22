"""onevnet, onevntemplate and onesecgroup against a real front-end: default columns,
address ranges and leases, instantiation, formats, one-line errors that change nothing."""

from __future__ import annotations

import json

from support.cli import table

VNET = 'NAME="priv"\nVN_MAD="dummy"\nBRIDGE="br0"\nAR=[TYPE="IP4", IP="10.0.0.10", SIZE="10"]\n'


def _vnet(cli, name):
    return json.loads(cli.ok("onevnet", "show", name, "-j"))["VNET"]


def test_vnet_list_show_address_ranges_and_leases(cli, frontend, tmp_path):
    vid = cli.new_id("onevnet", "create", input=VNET)
    rows = table(cli.ok("onevnet", "list"))
    assert rows[0] == ["ID", "USER", "GROUP", "NAME", "CLUSTERS", "BRIDGE", "STATE", "LEASES", "OUTDATED", "ERROR"]
    assert rows[1] == [str(vid), "oneadmin", "oneadmin", "priv", "0", "br0", "rdy", "0", "0", "0"]
    cli.ok("onevnet", "addar", "priv", "--ip", "10.1.0.1", "--size", "5")
    ars = _vnet(cli, "priv")["AR_POOL"]["AR"]
    assert [(a["AR_ID"], a["IP"], a["SIZE"]) for a in ars] == [("0", "10.0.0.10", "10"), ("1", "10.1.0.1", "5")]
    cli.ok("onevnet", "hold", "priv", "10.0.0.12")
    show = cli.ok("onevnet", "show", "priv").splitlines()
    assert show[0] == f"VIRTUAL NETWORK {vid} INFORMATION" and "ADDRESS RANGE POOL" in show
    assert table("\n".join(show[show.index("LEASES") + 1:])) == [["AR", "OWNER", "MAC", "IP"],
                                                                  ["0", "V:-1", "02:00:0a:00:00:0c", "10.0.0.12"]]
    cli.ok("onevnet", "release", "priv", "10.0.0.12")
    assert _vnet(cli, "priv")["USED_LEASES"] == "0"
    update = tmp_path / "ar.tmpl"
    update.write_text('SIZE="20"\n')
    cli.ok("onevnet", "updatear", "priv", "0", str(update))
    assert _vnet(cli, "priv")["AR_POOL"]["AR"][0]["SIZE"] == "20"
    line = cli.ok("onevnet", "reserve", "priv", "mine", "-s", "2")
    rid = int(line.rsplit(":", 1)[1])
    assert frontend.pyone().vn.info(rid).NAME == "mine" and _vnet(cli, "priv")["USED_LEASES"] == "2"
    cli.ok("onevnet", "rmar", "priv", "1")
    assert len(_vnet(cli, "priv")["AR_POOL"]["AR"]) == 1
    assert cli.ok("onevnet", "list", "-x").startswith("<VNET_POOL>\n  <VNET>")
    assert cli.ok("onevnet", "show", "priv", "-y").startswith(f"---\nVNET:\n    ID: '{vid}'")
    cli.ok("onevnet", "rename", "mine", "reserved")
    cli.ok("onevnet", "delete", "reserved")
    assert [r[3] for r in table(cli.ok("onevnet", "list"))[1:]] == ["priv"]


def test_vnet_errors_change_nothing(cli):
    assert cli.fails_unchanged("onevnet", "show", "nosuch") == "VNET named nosuch not found."
    assert cli.fails_unchanged("onevnet", "show", "99") == "[one.vn.info] Error getting virtual network [99]."
    assert cli.fails_unchanged("onevnet", "addar", "priv", status=2) == \
        "onevnet addar: give a file or --size with --ip, --mac or --ip6"
    assert cli.fails_unchanged("onevnet", "hold", "priv", "192.168.99.1").startswith("[one.vn.hold]")
    assert cli.fails_unchanged("onevnet", "rmar", "priv", "7").startswith("[one.vn.rm_ar]")
    assert "invalid int value: 'x'" in cli.fails_unchanged("onevnet", "rmar", "priv", "x", status=2)
    assert cli.fails_unchanged("onevnet", "create", input='NAME="priv"\nVN_MAD="dummy"\nBRIDGE="b"\n').startswith(
        "[one.vn.allocate]")


def test_vntemplate_create_instantiate_clone_delete(cli, frontend):
    tid = cli.new_id("onevntemplate", "create",
                     input='NAME="tpl"\nVN_MAD="dummy"\nBRIDGE="br1"\nAR=[TYPE="ETHER", SIZE="4"]\n')
    rows = table(cli.ok("onevntemplate", "list"))
    assert rows[0] == ["ID", "USER", "GROUP", "NAME", "REGTIME"]
    assert rows[1][:4] == [str(tid), "oneadmin", "oneadmin", "tpl"]
    show = cli.ok("onevntemplate", "show", "tpl").splitlines()
    assert show[0] == f"TEMPLATE {tid} INFORMATION" and 'BRIDGE="br1"' in show
    assert json.loads(cli.ok("onevntemplate", "show", "tpl", "-j"))["VNTEMPLATE"]["TEMPLATE"]["BRIDGE"] == "br1"
    out = cli.ok("onevntemplate", "instantiate", "tpl", "--name", "fromtpl")
    assert out.startswith("VN ID: ")
    assert frontend.pyone().vn.info(int(out.split(":")[1])).BRIDGE == "br1"
    copy = cli.new_id("onevntemplate", "clone", "tpl", "tpl2")
    cli.ok("onevntemplate", "chown", str(copy), "serveradmin")
    assert frontend.pyone().vntemplate.info(copy).UNAME == "serveradmin"
    cli.ok("onevntemplate", "delete", "tpl2")
    assert cli.fails_unchanged("onevntemplate", "show", "tpl2") == "VNTEMPLATE named tpl2 not found."
    assert cli.fails_unchanged("onevntemplate", "instantiate", "77").startswith("[one.vntemplate.instantiate]")
    assert cli.fails_unchanged("onevntemplate", "chown", "tpl", "nobody") == "USER named nobody not found."


def test_secgroup_create_clone_commit_delete(cli, frontend):
    sid = cli.new_id("onesecgroup", "create",
                     input='NAME="web"\nRULE=[PROTOCOL="TCP", RULE_TYPE="inbound", RANGE="80"]\n')
    rows = table(cli.ok("onesecgroup", "list"))
    assert rows[0] == ["ID", "USER", "GROUP", "NAME", "UPDATED", "OUTDATED", "ERROR"]
    assert {r[3]: r[0] for r in rows[1:]} == {"web": str(sid), "default": "0"}
    show = cli.ok("onesecgroup", "show", "web").splitlines()
    assert show[0] == f"SECURITY GROUP {sid} INFORMATION" and "VIRTUAL MACHINES" in show
    rule = json.loads(cli.ok("onesecgroup", "show", "web", "-j"))["SECURITY_GROUP"]["TEMPLATE"]["RULE"]
    assert rule == [{"PROTOCOL": "TCP", "RULE_TYPE": "inbound", "RANGE": "80"}]
    copy = cli.new_id("onesecgroup", "clone", "web", "web2")
    cli.ok("onesecgroup", "commit", "web")
    cli.ok("onesecgroup", "update", "web2", "-", input='RULE=[PROTOCOL="UDP", RULE_TYPE="outbound"]\n')
    assert frontend.pyone().secgroup.info(copy).TEMPLATE["RULE"]["PROTOCOL"] == "UDP"
    cli.ok("onesecgroup", "delete", "web2")
    assert cli.fails_unchanged("onesecgroup", "show", "web2") == "SECURITY GROUP named web2 not found."
    assert cli.fails_unchanged("onesecgroup", "delete", "0").startswith("[one.secgroup.delete]")
    assert cli.fails_unchanged("onesecgroup", "clone", "web", "default").startswith("[one.secgroup.clone]")
