"""onemarket, onemarketapp and onehook against a real front-end: default columns,
formats, state changes, one-line errors that change nothing."""

from __future__ import annotations

import json

from support.cli import table

MARKET = 'NAME="local"\nMARKET_MAD="http"\nBASE_URL="http://localhost/"\nPUBLIC_DIR="{}"\n'
HOOK = 'NAME="h"\nTYPE="api"\nCOMMAND="/bin/true"\nCALL="one.vm.allocate"\n'


def test_market_and_apps(cli, frontend, tmp_path):
    mid = cli.new_id("onemarket", "create", input=MARKET.format(tmp_path))
    rows = table(cli.ok("onemarket", "list"))
    assert rows[0] == ["ID", "NAME", "SIZE", "AVAIL", "APPS", "MAD", "ZONE", "STAT"]
    named = {r[1]: r for r in rows[1:]}
    assert named["local"][4:] == ["0", "http", "0", "on"]
    show = cli.ok("onemarket", "show", "local").splitlines()
    assert show[0] == f"MARKETPLACE {mid} INFORMATION" and "MARKET_MAD          : http" in show
    assert json.loads(cli.ok("onemarket", "show", "local", "-j"))["MARKETPLACE"]["MARKET_MAD"] == "http"
    cli.ok("onemarket", "disable", "local")
    assert table(cli.ok("onemarket", "list", "-l", "NAME,STAT", "-f", "NAME=local", "--no-header")) == \
        [["local", "off"]]
    cli.ok("onemarket", "enable", "local")
    assert frontend.pyone().market.info(mid).STATE == 0
    aid = cli.new_id("onemarketapp", "create", "-m", "local", input='NAME="app1"\nORIGIN_ID="0"\nTYPE="IMAGE"\n')
    rows = table(cli.ok("onemarketapp", "list"))
    assert rows[0] == ["ID", "NAME", "VERSION", "SIZE", "STAT", "TYPE", "REGTIME", "MARKET", "ZONE"]
    assert rows[1][:2] == [str(aid), "app1"] and rows[1][5] == "img" and rows[1][7:] == ["local", "0"]
    assert cli.ok("onemarketapp", "show", "app1").splitlines()[0] == f"MARKETPLACE APP {aid} INFORMATION"
    assert cli.ok("onemarketapp", "list", "-x").startswith("<MARKETPLACEAPP_POOL>\n  <MARKETPLACEAPP>")
    cli.ok("onemarketapp", "update", "app1", "--append", "-", input='LABEL="x"\n')
    assert frontend.pyone().marketapp.info(aid).TEMPLATE["LABEL"] == "x"
    cli.ok("onemarketapp", "rename", "app1", "app2")
    assert frontend.pyone().marketapp.info(aid).NAME == "app2"


def test_market_errors_change_nothing(cli):
    assert cli.fails_unchanged("onemarket", "show", "nosuch") == "MARKETPLACE named nosuch not found."
    assert cli.fails_unchanged("onemarket", "show", "42").startswith("[one.market.info]")
    assert cli.fails_unchanged("onemarket", "create", input='NAME="x"\n').startswith("[one.market.allocate]")
    assert cli.fails_unchanged("onemarketapp", "create", input='NAME="y"\n', status=2) == \
        "onemarketapp create: --marketplace is needed"
    assert cli.fails_unchanged("onemarketapp", "create", "-m", "nosuch", input='NAME="y"\n') == \
        "MARKETPLACE named nosuch not found."
    assert cli.fails_unchanged("onemarketapp", "show", "42").startswith("[one.marketapp.info]")


def test_hooks(cli, frontend):
    hid = cli.new_id("onehook", "create", input=HOOK)
    rows = table(cli.ok("onehook", "list"))
    assert rows == [["ID", "NAME", "TYPE"], [str(hid), "h", "api"]]
    show = cli.ok("onehook", "show", "h").splitlines()
    assert show[:3] == [f"HOOK {hid} INFORMATION", f"ID                  : {hid}", "NAME                : h"]
    assert 'CALL="one.vm.allocate"' in show
    assert json.loads(cli.ok("onehook", "show", "h", "-j"))["HOOK"]["TEMPLATE"]["COMMAND"] == "/bin/true"
    assert cli.ok("onehook", "list", "-y").startswith("---\nHOOK_POOL:\n    HOOK:\n")
    cli.ok("onehook", "update", "h", "--append", "-", input='ARGUMENTS="$API"\n')
    assert frontend.pyone().hook.info(hid).TEMPLATE["ARGUMENTS"] == "$API"
    cli.ok("onehook", "lock", "h")
    assert cli.fails("onehook", "rename", "h", "g").startswith("[one.hook.rename]")
    cli.ok("onehook", "unlock", "h")
    cli.ok("onehook", "rename", "h", "g")
    assert cli.ok("onehook", "log", "--hook", "g", "--rc", "error") == ""
    assert cli.fails_unchanged("onehook", "retry", "g", "9").startswith("[one.hook.retry]")
    assert cli.fails_unchanged("onehook", "show", "h") == "HOOK named h not found."
    assert cli.fails_unchanged("onehook", "create", input='NAME="bad"\nTYPE="api"\n').startswith(
        "[one.hook.allocate]")
    assert "invalid choice: 'maybe'" in cli.fails_unchanged("onehook", "log", "--rc", "maybe", status=2)
    cli.ok("onehook", "delete", "g")
    assert table(cli.ok("onehook", "list")) == [["ID", "NAME", "TYPE"]]
