"""oneuser, onegroup and onecluster against a real front-end."""

from __future__ import annotations

import json

from support.cli import table


def test_user_list_and_show(cli):
    rows = table(cli.ok("oneuser", "list"))
    assert rows[0] == ["ID", "NAME", "ENAB", "GROUP", "AUTH", "VMS", "MEMORY", "CPU"]
    assert [r[:5] for r in rows[1:]] == [["0", "oneadmin", "yes", "oneadmin", "core"],
                                         ["1", "serveradmin", "yes", "oneadmin", "core"]]
    out = cli.ok("oneuser", "show", "oneadmin")
    assert out.splitlines()[0] == "USER 0 INFORMATION"
    assert "NAME                : oneadmin" in out and "ENABLED             : Yes" in out


def test_user_lifecycle(cli, frontend):
    uid = cli.new_id("oneuser", "create", "alice", "s3cret")
    assert frontend.pyone().user.info(uid).NAME == "alice"
    assert cli.run("oneuser", "list", "--user", "alice", "--password", "s3cret").returncode == 0
    cli.ok("oneuser", "passwd", "alice", "n3w")
    line = cli.fails("oneuser", "list", "--user", "alice", "--password", "s3cret")
    assert "authenticated" in line
    gid = cli.new_id("onegroup", "create", "edge")
    cli.ok("oneuser", "chgrp", "alice", "edge")
    assert frontend.pyone().user.info(uid).GID == gid
    cli.ok("oneuser", "addgroup", "alice", "users")
    cli.ok("oneuser", "delgroup", "alice", "users")
    cli.ok("oneuser", "disable", str(uid))
    assert frontend.pyone().user.info(uid).ENABLED == 0
    cli.ok("oneuser", "enable", "alice")
    cli.ok("oneuser", "update", "alice", "--append", "-", input='EMAIL="a@example.org"\n')
    assert frontend.pyone().user.info(uid).TEMPLATE["EMAIL"] == "a@example.org"
    cli.ok("onegroup", "addadmin", "edge", "alice")
    assert "ADMINS" in cli.ok("onegroup", "show", "edge")
    cli.ok("onegroup", "deladmin", "edge", "alice")
    token = cli.ok("oneuser", "login", "alice", "--user", "alice", "--password", "n3w", "--time", "60").strip()
    assert len(token) == 64
    cli.ok("oneuser", "delete", "alice")
    cli.ok("onegroup", "delete", "edge")
    assert cli.fails("oneuser", "show", "alice") == "USER named alice not found."


def test_update_from_file_and_editor(cli, frontend, tmp_path):
    uid = cli.new_id("oneuser", "create", "bob", "pw")
    path = tmp_path / "t.tmpl"
    path.write_text('EMAIL = "bob@example.org"\n')
    cli.ok("oneuser", "update", "bob", str(path))
    assert frontend.pyone().user.info(uid).TEMPLATE["EMAIL"] == "bob@example.org"
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i s/bob@example.org/robert@example.org/ "$1"\n')
    editor.chmod(0o755)
    cli.ok("oneuser", "update", "bob", env={"EDITOR": str(editor)})
    assert frontend.pyone().user.info(uid).TEMPLATE["EMAIL"] == "robert@example.org"
    cli.ok("oneuser", "delete", str(uid))


def test_group_list_json_and_errors(cli):
    rows = table(cli.ok("onegroup", "list"))
    assert rows[0] == ["ID", "NAME", "USERS", "VMS", "MEMORY", "CPU"]
    data = json.loads(cli.ok("onegroup", "show", "0", "-j"))
    assert data["GROUP"]["NAME"] == "oneadmin" and isinstance(data["GROUP"]["USERS"]["ID"], list)
    assert cli.fails("onegroup", "show", "999") == "[one.group.info] Error getting group [999]."
    assert cli.fails("onegroup", "delete", "1").startswith("[one.group.delete]")
    assert "nosuch" in cli.fails("onegroup", "list", "--nosuch", status=2)


def test_clusters(cli, frontend):
    cid = cli.new_id("onecluster", "create", "edge")
    rows = table(cli.ok("onecluster", "list"))
    assert rows[0] == ["ID", "NAME", "HOSTS", "VNETS", "DATASTORES"]
    assert ["0", "default", "0", "0", "3"] in rows and [str(cid), "edge", "0", "0", "0"] in rows
    cli.ok("onecluster", "adddatastore", "edge", "default")
    cli.ok("onecluster", "rename", "edge", "far-edge")
    out = cli.ok("onecluster", "show", "far-edge")
    assert out.splitlines()[:3] == [f"CLUSTER {cid} INFORMATION", f"ID                  : {cid}",
                                    "NAME                : far-edge"]
    assert "DATASTORES\n1" in out
    cli.ok("onecluster", "deldatastore", "far-edge", "1")
    cli.ok("onecluster", "delete", "far-edge")
    assert cli.fails("onecluster", "delete", "far-edge") == "CLUSTER named far-edge not found."
