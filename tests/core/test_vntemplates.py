"""Virtual network templates through pyone and raw XML-RPC."""

from __future__ import annotations

from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, INTERNAL, ALLOCATE, LOCKED = 0x200, 0x400, 0x800, 0x2000, 0x4000, 0x8000

TEMPLATE = 'NAME = "tpl"\nVN_MAD = "bridge"\nAR = [ TYPE = "IP4", IP = "172.16.0.1", SIZE = "8" ]'


def test_lifecycle_and_instantiate(frontend):
    one, raw = frontend.pyone(), frontend.raw()
    oid = one.vntemplate.allocate(TEMPLATE)
    doc = validate(raw.ok("one.vntemplate.info", oid, False), "vntemplate")
    assert doc.findtext("NAME") == "tpl" and doc.findtext("TEMPLATE/VN_MAD") == "bridge"
    assert doc.find("TEMPLATE/NAME") is None and int(doc.findtext("REGTIME")) > 0
    named = one.vntemplate.instantiate(oid, "from-tpl", 'DESCRIPTION = "extra"')
    net = validate(raw.ok("one.vn.info", named, False), "vnet")
    assert net.findtext("NAME") == "from-tpl" and net.findtext("TEMPLATE/TEMPLATE_ID") == str(oid)
    assert net.findtext("TEMPLATE/DESCRIPTION") == "extra" and net.findtext("AR_POOL/AR/IP") == "172.16.0.1"
    unnamed = one.vntemplate.instantiate(oid, "", "")
    assert one.vn.info(unnamed).NAME == f"tpl-{unnamed}"
    copy = one.vntemplate.clone(oid, "tpl2")
    one.vntemplate.update(copy, 'VN_MAD = "fw"', 1)
    one.vntemplate.rename(copy, "tpl3")
    one.vntemplate.chmod(copy, 1, 1, 0, 1, 0, 0, 0, 0, 0)
    one.vntemplate.lock(copy, 2, False)
    raw.fails("one.vntemplate.delete", copy, code=LOCKED)
    one.vntemplate.unlock(copy)
    pool = validate(raw.ok("one.vntemplatepool.info", -2, -1, -1), "vntemplate_pool")
    assert sorted((t.findtext("NAME"), t.findtext("TEMPLATE/VN_MAD")) for t in pool) == [("tpl", "bridge"), ("tpl3", "fw")]
    one.vntemplate.delete(copy)
    raw.fails("one.vntemplate.info", copy, False, code=NO_EXISTS)
    for vnet in (named, unnamed):
        one.vn.delete(vnet)


def test_refusals_change_nothing(frontend):
    one, raw = frontend.pyone(), frontend.raw()
    before = raw.ok("one.vntemplatepool.info", -2, -1, -1)
    raw.fails("one.vntemplate.allocate", 'NAME = "x"', code=INTERNAL)
    raw.fails("one.vntemplate.allocate", 'NAME = "x"\nVN_MAD = "vxlan"', code=INTERNAL)
    raw.fails("one.vntemplate.allocate", 'VN_MAD = "bridge"', code=INTERNAL)
    raw.fails("one.vntemplate.allocate", 'NAME = [ x', code=INTERNAL)
    assert raw.ok("one.vntemplatepool.info", -2, -1, -1) == before
    oid = one.vntemplate.allocate('NAME = "bad-ar"\nVN_MAD = "bridge"\nAR = [ TYPE = "IP4", SIZE = "2" ]')
    nets = raw.ok("one.vnpool.info", -2, -1, -1)
    raw.fails("one.vntemplate.instantiate", oid, "n", "", code=ALLOCATE)
    raw.fails("one.vntemplate.update", oid, 'DESCRIPTION = "no driver"', 0, code=INTERNAL)
    assert raw.ok("one.vnpool.info", -2, -1, -1) == nets
    for method, args in (("one.vntemplate.info", (999, False)), ("one.vntemplate.instantiate", (999, "", "")),
                         ("one.vntemplate.clone", (999, "c")), ("one.vntemplate.delete", (999,))):
        raw.fails(method, *args, code=NO_EXISTS)
    one.user.allocate("tpluser", "pw", "", [])
    user = frontend.raw("tpluser:pw")
    user.fails("one.vntemplate.allocate", TEMPLATE, code=AUTHORIZATION)
    user.fails("one.vntemplate.instantiate", oid, "mine", "", code=AUTHORIZATION)
    user.fails("one.vntemplate.info", oid, False, code=AUTHORIZATION)
    assert raw.ok("one.vnpool.info", -2, -1, -1) == nets
