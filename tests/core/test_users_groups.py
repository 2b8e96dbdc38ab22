"""Users, groups, ACLs and system calls through pyone and raw XML-RPC."""

from __future__ import annotations

import pyone
import pytest

from support.xsd import validate

AUTHENTICATION, AUTHORIZATION, NO_EXISTS, ACTION, API, INTERNAL, ALLOCATE = (
    0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000)


def test_version_and_bootstrap_objects(frontend):
    one = frontend.pyone()
    assert one.system.version() == "6.10.0"
    users = one.userpool.info()
    assert [(u.ID, u.NAME, u.GID) for u in users.USER] == [(0, "oneadmin", 0), (1, "serveradmin", 0)]
    groups = one.grouppool.info()
    assert [(g.ID, g.NAME) for g in groups.GROUP] == [(0, "oneadmin"), (1, "users")]
    assert sorted(groups.GROUP[0].USERS.ID) == [0, 1]


def test_one_auth_is_private(frontend):
    path = frontend.home / "one_auth"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text().startswith("oneadmin:")


def test_documents_follow_the_xsds(frontend):
    raw = frontend.raw()
    documents = [
        (raw.ok("one.user.info", 0, False), "user", "USER"),
        (raw.ok("one.userpool.info"), "user_pool", "USER_POOL"),
        (raw.ok("one.group.info", 0, False), "group", "GROUP"),
        (raw.ok("one.grouppool.info"), "group_pool", "GROUP_POOL"),
        (raw.ok("one.acl.info"), "acl_pool", "ACL_POOL"),
        (raw.ok("one.system.config"), "opennebula_configuration", "OPENNEBULA_CONFIGURATION"),
    ]
    for document, schema, root in documents:
        assert validate(document, schema).tag == root


def test_user_lifecycle(frontend):
    one = frontend.pyone()
    uid = one.user.allocate("alice", "secret", "", [])
    user = one.user.info(uid)
    assert (user.NAME, user.GID, user.GNAME, user.AUTH_DRIVER, user.ENABLED) == ("alice", 1, "users", "core", 1)
    assert "secret" not in user.PASSWORD
    assert uid in one.group.info(1).USERS.ID

    alice = frontend.pyone("alice:secret")
    assert alice.user.info(-1).ID == uid
    one.user.passwd(uid, "other")
    with pytest.raises(pyone.OneAuthenticationException):
        alice.user.info(-1)
    assert frontend.pyone("alice:other").user.info(-1).NAME == "alice"

    one.user.update(uid, 'EMAIL = "alice@example.org"\nSSH_PUBLIC_KEY = "ssh-ed25519 AAA"', 0)
    assert one.user.info(uid).TEMPLATE["EMAIL"] == "alice@example.org"
    one.user.update(uid, 'LANG = "en"', 1)
    template = one.user.info(uid).TEMPLATE
    assert template["EMAIL"] == "alice@example.org" and template["LANG"] == "en"
    one.user.update(uid, 'LANG = "fr"', 0)
    assert "EMAIL" not in one.user.info(uid).TEMPLATE

    one.user.enable(uid, False)
    with pytest.raises(pyone.OneAuthenticationException):
        frontend.pyone("alice:other").user.info(-1)
    one.user.enable(uid, True)

    gid = one.group.allocate("edge-team")
    one.user.addgroup(uid, gid)
    assert sorted(one.user.info(uid).GROUPS.ID) == [1, gid]
    one.user.chgrp(uid, gid)
    info = one.user.info(uid)
    assert (info.GID, info.GNAME) == (gid, "edge-team")
    assert uid not in one.group.info(1).USERS.ID
    with pytest.raises(pyone.OneActionException):
        one.group.delete(gid)
    one.user.delete(uid)
    assert uid not in one.group.info(gid).USERS.ID
    one.group.delete(gid)
    with pytest.raises(pyone.OneNoExistsException):
        one.group.info(gid)


def test_ids_are_never_reused(frontend):
    one = frontend.pyone()
    first = one.user.allocate("tmp1", "pw", "", [])
    one.user.delete(first)
    assert one.user.allocate("tmp2", "pw", "", []) == first + 1


def test_login_tokens(frontend):
    one = frontend.pyone()
    uid = one.user.allocate("carol", "pw", "", [])
    carol = frontend.raw("carol:pw")
    token = carol.ok("one.user.login", "carol", "", 3600, -1)
    assert len(token) == 64
    validate(one_raw := frontend.raw().ok("one.user.info", uid, False), "user")
    assert token not in one_raw
    assert frontend.raw(f"carol:{token}").ok("one.user.info", -1, False)
    carol.ok("one.user.login", "carol", token, 0, -1)
    frontend.raw(f"carol:{token}").fails("one.user.info", -1, False, code=AUTHENTICATION)
    # An EGID token limits the session to that group.
    gid = one.group.allocate("carol-team")
    one.user.addgroup(uid, gid)
    scoped = carol.ok("one.user.login", "carol", "", -1, gid)
    user = frontend.pyone(f"carol:{scoped}").user.info(-1)
    assert user.ID == uid
    carol.fails("one.user.login", "carol", "", 100, 999, code=ACTION)


def test_errors_and_authorization(frontend):
    one = frontend.raw()
    assert "Error getting user [999]" in one.fails("one.user.info", 999, False, code=NO_EXISTS)
    one.fails("one.user.allocate", "bad name", "pw", "", [], code=ALLOCATE)
    one.fails("one.user.allocate", "dave", "has space", "", [], code=ACTION)
    one.ok("one.user.allocate", "dave", "pw", "", [])
    message = one.fails("one.user.allocate", "dave", "pw", "", [], code=ALLOCATE)
    assert message.startswith("[one.user.allocate] Error allocating a new user.")
    dave = frontend.raw("dave:pw")
    dave.fails("one.user.delete", 0, code=AUTHORIZATION)
    dave.fails("one.group.allocate", "x", code=AUTHORIZATION)
    dave.fails("one.acl.info", code=AUTHORIZATION)
    one.fails("one.user.delete", 0, code=ACTION)
    one.fails("one.group.delete", 1, code=ACTION)
    one.fails("one.user.update", 0, 'BROKEN = [ A = ', 0, code=INTERNAL)
    frontend.raw("nobody:pw").fails("one.user.info", -1, False, code=AUTHENTICATION)
    frontend.raw("no-colon").fails("one.user.info", -1, False, code=AUTHENTICATION)


def test_acl_rules(frontend):
    one = frontend.raw()
    rules = validate(one.ok("one.acl.info"), "acl_pool")
    strings = [r.findtext("STRING") for r in rules]
    assert "@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *" in strings
    assert "* ZONE/* USE *" in strings
    # @1 GROUP/* CREATE *  lets members of 'users' create groups.
    rule = one.ok("one.acl.addrule", "200000001", "40400000000", "8", "*")
    one.ok("one.user.allocate", "erin", "pw", "", [])
    gid = frontend.raw("erin:pw").ok("one.group.allocate", "erin-group")
    one.ok("one.acl.delrule", rule)
    frontend.raw("erin:pw").fails("one.group.allocate", "another", code=AUTHORIZATION)
    one.fails("one.acl.delrule", rule, code=NO_EXISTS)
    one.fails("one.acl.addrule", "zz", "1", "1", "*", code=API)
    one.fails("one.acl.addrule", "200000001", "400000000", "8", "*", code=INTERNAL)
    assert gid >= 100


def test_deleting_an_object_deletes_the_acl_rules_naming_it(frontend):
    one = frontend.raw()
    uid = one.ok("one.user.allocate", "ruled", "pw", "", [])
    gid = one.ok("one.group.allocate", "ruled-group")
    # #uid GROUP/* CREATE *, @gid GROUP/* CREATE *, * GROUP/@gid USE *, * USER/#uid USE *
    by_user = one.ok("one.acl.addrule", f"{0x100000000 | uid:X}", "40400000000", "8", "*")
    by_group = one.ok("one.acl.addrule", f"{0x200000000 | gid:X}", "40400000000", "8", "*")
    on_group = one.ok("one.acl.addrule", "400000000", f"{0x40200000000 | gid:X}", "1", "*")
    on_user = one.ok("one.acl.addrule", "400000000", f"{0x10100000000 | uid:X}", "1", "*")
    keep = one.ok("one.acl.addrule", "400000000", "10100000000", "1", "*")

    def ids() -> set[int]:
        return {int(r.findtext("ID")) for r in validate(one.ok("one.acl.info"), "acl_pool")}

    one.ok("one.user.delete", uid)
    assert by_user not in ids() and on_user not in ids()
    assert {by_group, on_group, keep} <= ids()
    one.ok("one.group.delete", gid)
    assert by_group not in ids() and on_group not in ids()
    assert keep in ids()


def test_group_admins_manage_their_members(frontend):
    one = frontend.raw()
    gid = one.ok("one.group.allocate", "team-admins")
    boss = one.ok("one.user.allocate", "boss", "pw", "", [gid])
    member = one.ok("one.user.allocate", "member", "pw", "", [gid])
    outsider = one.ok("one.user.allocate", "outsider", "pw", "", [])
    one.ok("one.group.update", gid, 'DESCRIPTION = "edge ops"', 0)
    assert "edge ops" in one.ok("one.group.info", gid, False)

    boss_raw = frontend.raw("boss:pw")
    boss_raw.fails("one.user.passwd", member, "new", code=AUTHORIZATION)
    one.ok("one.group.addadmin", gid, boss)
    assert [a.text for a in validate(one.ok("one.group.info", gid, False), "group").iterfind("ADMINS/ID")] == [str(boss)]
    one.fails("one.group.addadmin", gid, boss, code=ACTION)
    one.fails("one.group.addadmin", gid, outsider, code=ACTION)
    # A group admin creates users in its group and sees them.
    created = boss_raw.ok("one.user.allocate", "recruit", "pw", "", [gid])
    assert "<NAME>recruit</NAME>" in boss_raw.ok("one.userpool.info")
    boss_raw.fails("one.user.allocate", "elsewhere", "pw", "", [1], code=AUTHORIZATION)
    assert created > member
    one.ok("one.group.deladmin", gid, boss)
    one.fails("one.group.deladmin", gid, boss, code=ACTION)
    boss_raw.fails("one.user.allocate", "again", "pw", "", [gid], code=AUTHORIZATION)


def test_secondary_groups_and_auth_drivers(frontend):
    one = frontend.raw()
    uid = one.ok("one.user.allocate", "frank", "pw", "", [])
    gid = one.ok("one.group.allocate", "frank-extra")
    one.ok("one.user.addgroup", uid, gid)
    one.fails("one.user.addgroup", uid, gid, code=ACTION)
    one.fails("one.user.delgroup", uid, 1, code=ACTION)  # its main group
    one.ok("one.user.delgroup", uid, gid)
    one.fails("one.user.delgroup", uid, gid, code=ACTION)
    group = validate(one.ok("one.group.info", gid, False), "group")
    assert str(uid) not in [n.text for n in group.iterfind("USERS/ID")]

    # A user moved to a driver without a local password cannot log in with the old one.
    one.ok("one.user.chauth", uid, "public", "")
    frontend.raw("frank:pw").fails("one.user.info", -1, False, code=AUTHENTICATION)
    assert "<AUTH_DRIVER>public</AUTH_DRIVER>" in one.ok("one.user.info", uid, False)
    one.fails("one.user.chauth", uid, "core", "", code=ACTION)
    one.fails("one.user.chauth", uid, "kerberos", "", code=ACTION)
    one.ok("one.user.chauth", uid, "core", "back")
    assert frontend.raw("frank:back").ok("one.user.info", -1, False)
    frontend.raw("frank:back").fails("one.user.chauth", uid, "core", "mine", code=AUTHORIZATION)
