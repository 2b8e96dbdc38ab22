"""Generic documents: allocate, info, pool filters, update, clone, rename, chown, chmod, lock, delete."""

from __future__ import annotations

import time

import pyone
import pytest

from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, INTERNAL, ALLOCATE, LOCKED = 0x200, 0x400, 0x800, 0x2000, 0x4000, 0x8000
SERVICE, SERVICE_TEMPLATE = 100, 101


@pytest.fixture(scope="module")
def users(frontend):
    raw = frontend.raw()
    for name in ("flow", "other"):
        raw.ok("one.user.allocate", name, "pw", "", [])
    return frontend.raw("flow:pw"), frontend.raw("other:pw")


def info(raw, oid: int):
    return validate(raw.ok("one.document.info", oid, False), "document")


def pool_ids(raw, flag: int = -2, doc_type: int = -1) -> list[int]:
    pool = validate(raw.ok("one.documentpool.info", flag, -1, -1, doc_type), "document_pool")
    return sorted(int(d.findtext("ID")) for d in pool)


def test_allocate_and_info(frontend, users):
    one = frontend.pyone()
    # JSON bodies go as XML (a nested dict for pyone): a flat dict is sent unescaped.
    oid = one.document.allocate({"TEMPLATE": {"NAME": "web", "BODY": '{"roles": []}'}}, SERVICE)
    doc = one.document.info(oid)
    assert (doc.NAME, doc.TYPE, doc.UID, doc.UNAME, doc.TEMPLATE["BODY"]) == ("web", "100", 0, "oneadmin",
                                                                              '{"roles": []}')
    assert "NAME" not in doc.TEMPLATE
    perms = info(frontend.raw(), oid).find("PERMISSIONS")
    assert [perms.findtext(t) for t in ("OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "OTHER_U")] == [
        "1", "1", "0", "0", "0"]
    # A flat dict is sent as the template language; no NAME gives document-<id>.
    unnamed = one.document.allocate({"BODY": "x", "ROLE": "db"}, SERVICE_TEMPLATE)
    assert one.document.info(unnamed).NAME == f"document-{unnamed}"
    assert one.document.info(unnamed).TEMPLATE["ROLE"] == "db"
    flow, _ = users
    mine = flow.ok("one.document.allocate", 'NAME = "mine"\nBODY = "{}"', SERVICE)
    assert info(flow, mine).findtext("UNAME") == "flow"


def test_refusals(frontend, users):
    raw = frontend.raw()
    flow, other = users
    before = pool_ids(raw)
    assert "Parse error" in raw.fails("one.document.allocate", 'BODY = [ A = ', SERVICE, code=INTERNAL)
    assert "NAME is too long" in raw.fails("one.document.allocate", f'NAME = "{"n" * 129}"', SERVICE, code=INTERNAL)
    raw.fails("one.document.info", 9999, False, code=NO_EXISTS)
    theirs = flow.ok("one.document.allocate", 'NAME = "private"', SERVICE)
    other.fails("one.document.info", theirs, False, code=AUTHORIZATION)
    other.fails("one.document.update", theirs, 'BODY = "stolen"', 0, code=AUTHORIZATION)
    other.fails("one.document.delete", theirs, code=AUTHORIZATION)
    assert pool_ids(raw) == sorted(before + [theirs])
    assert "BODY" not in frontend.pyone().document.info(theirs).TEMPLATE


def test_pool_filters(frontend, users):
    raw = frontend.raw()
    flow, other = users
    a = flow.ok("one.document.allocate", 'NAME = "svc"', SERVICE)
    b = flow.ok("one.document.allocate", 'NAME = "tmpl"', SERVICE_TEMPLATE)
    c = other.ok("one.document.allocate", 'NAME = "svc"', SERVICE)
    assert {a, b, c} <= set(pool_ids(raw))
    assert a in pool_ids(raw, doc_type=SERVICE) and b not in pool_ids(raw, doc_type=SERVICE)
    assert b in pool_ids(raw, doc_type=SERVICE_TEMPLATE)
    assert c not in pool_ids(flow) and {a, b} <= set(pool_ids(flow))
    assert pool_ids(flow, -3, SERVICE) == sorted(
        int(d.findtext("ID")) for d in validate(flow.ok("one.documentpool.info", -3, -1, -1, SERVICE),
                                                 "document_pool"))
    assert all(flow.ok("one.document.info", oid, False) for oid in pool_ids(flow, -3))
    assert pool_ids(raw, -2, 12345) == []
    page = validate(raw.ok("one.documentpool.info", -2, a, b, -1), "document_pool")
    assert sorted(int(d.findtext("ID")) for d in page) == [a, b]


def test_update_clone_rename(frontend, users):
    one, raw = frontend.pyone(), frontend.raw()
    flow, other = users
    oid = one.document.allocate('NAME = "orig"\nBODY = "v1"\nLABEL = "x"', SERVICE)
    one.document.update(oid, 'BODY = "v2"', 1)
    assert (one.document.info(oid).TEMPLATE["BODY"], one.document.info(oid).TEMPLATE["LABEL"]) == ("v2", "x")
    one.document.update(oid, 'BODY = "v3"', 0)
    assert "LABEL" not in one.document.info(oid).TEMPLATE
    before = raw.ok("one.document.info", oid, False)
    raw.fails("one.document.update", oid, 'BODY = [', 0, code=INTERNAL)
    assert raw.ok("one.document.info", oid, False) == before

    copy = one.document.clone(oid, "copy")
    cloned = one.document.info(copy)
    assert (cloned.NAME, cloned.TYPE, cloned.TEMPLATE["BODY"]) == ("copy", "100", "v3")
    other.fails("one.document.clone", oid, "theft", code=AUTHORIZATION)
    raw.fails("one.document.clone", 9999, "x", code=NO_EXISTS)
    assert "Error allocating a new document" in raw.fails("one.document.clone", oid, "n" * 129, code=ALLOCATE)

    # Names need not be unique, as in OpenNebula.
    one.document.rename(copy, "orig")
    assert one.document.info(copy).NAME == "orig"
    raw.fails("one.document.rename", copy, "", code=ACTION)
    assert info(raw, copy).findtext("NAME") == "orig"


def test_chown_chmod(frontend, users):
    one = frontend.pyone()
    flow, other = users
    oid = one.document.allocate('NAME = "shared"', SERVICE)
    flow_id = frontend.pyone("flow:pw").user.info(-1).ID
    one.document.chown(oid, flow_id, -1)
    assert (one.document.info(oid).UID, one.document.info(oid).UNAME) == (flow_id, "flow")
    assert info(flow, oid).findtext("NAME") == "shared"
    other.fails("one.document.info", oid, False, code=AUTHORIZATION)
    flow.ok("one.document.chmod", oid, -1, -1, -1, -1, -1, -1, 1, 0, 0)
    assert info(other, oid).find("PERMISSIONS/OTHER_U").text == "1"
    other.fails("one.document.chmod", oid, -1, -1, -1, -1, -1, -1, 1, 1, 0, code=AUTHORIZATION)
    other.fails("one.document.chown", oid, 0, -1, code=AUTHORIZATION)


def test_lock_is_a_mutex(frontend, users):
    raw = frontend.raw()
    flow, other = users
    oid = flow.ok("one.document.allocate", 'NAME = "locked"\nBODY = "a"', SERVICE)
    flow.ok("one.document.chmod", oid, -1, -1, -1, -1, -1, -1, 1, 1, 0)
    assert flow.ok("one.document.lock", oid, 2, True) == oid
    doc = info(flow, oid)
    assert (doc.findtext("LOCK/LOCKED"), doc.findtext("LOCK/OWNER")) == ("2", doc.findtext("UID"))
    # The second taker is refused; OneFlow reads the lock's time from the message.
    message = other.fails("one.document.lock", oid, 2, True, code=ACTION)
    assert message.split(" ")[0] == "[one.document.lock]"
    assert abs(int(message.split(" ")[1]) - time.time()) < 60
    flow.fails("one.document.lock", oid, 1, True, code=ACTION)
    other.fails("one.document.lock", oid, 2, False, code=ACTION)
    other.fails("one.document.unlock", oid, code=ACTION)
    # A lock at MANAGE level blocks changes, even the owner's and oneadmin's.
    flow.fails("one.document.update", oid, 'BODY = "b"', 0, code=LOCKED)
    raw.fails("one.document.delete", oid, code=LOCKED)
    assert info(flow, oid).findtext("TEMPLATE/BODY") == "a"
    # The owner may take it again (refreshing it) and release it.
    flow.ok("one.document.lock", oid, 2, False)
    flow.ok("one.document.unlock", oid)
    assert info(flow, oid).find("LOCK") is None
    assert other.ok("one.document.lock", oid, 4, True) == oid
    assert info(other, oid).findtext("LOCK/LOCKED") == "1"  # ALL is stored as USE
    raw.ok("one.document.unlock", oid)  # admins may release anyone's lock
    flow.fails("one.document.lock", oid, 7, False, code=ACTION)
    assert info(flow, oid).find("LOCK") is None
    raw.fails("one.document.lock", 9999, 1, False, code=NO_EXISTS)


def test_delete(frontend, users):
    one, raw = frontend.pyone(), frontend.raw()
    oid = one.document.allocate('NAME = "gone"', SERVICE)
    one.document.delete(oid)
    with pytest.raises(pyone.OneNoExistsException):
        one.document.info(oid)
    raw.fails("one.document.delete", oid, code=NO_EXISTS)
    assert oid not in pool_ids(raw)
