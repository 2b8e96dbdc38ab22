"""Marketplaces and marketplace apps (records) through pyone and raw XML-RPC."""

from __future__ import annotations

import pytest

from oneedge.pool.market import check_market_template
from oneedge.pool.marketapp import AppType, parse_app
from oneedge.template import parse
from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, INTERNAL, ALLOCATE, LOCKED_ERR = 0x200, 0x400, 0x800, 0x2000, 0x4000, 0x8000
HTTP_MARKET = 'NAME = "{name}"\nMARKET_MAD = "http"\nBASE_URL = "http://example.org"\nPUBLIC_DIR = "/srv/market"'


def test_templates():
    assert check_market_template(parse('MARKET_MAD = "one"')).public
    with pytest.raises(ValueError, match="No marketplace driver"):
        check_market_template(parse('X = 1'))
    with pytest.raises(ValueError, match='"BASE_URL"'):
        check_market_template(parse('MARKET_MAD = "http"'))
    with pytest.raises(ValueError, match="not defined"):
        check_market_template(parse('MARKET_MAD = "ftp"'))
    template = parse('NAME = "a"\nORIGIN_ID = "-1"\nTYPE = "vmtemplate"\nSIZE = "5"\nAPPTEMPLATE64 = "QQ=="')
    spec = parse_app(template)
    assert (spec.app_type, spec.version, spec.apptemplate64) == (AppType.VMTEMPLATE, "0.0", "QQ==")
    assert template.get("SIZE") is None and template.get("ORIGIN_ID") is None
    with pytest.raises(ValueError, match="ORIGIN_ID"):
        parse_app(parse('NAME = "a"'))


def test_market_and_app_lifecycle(frontend):
    one, raw = frontend.pyone(), frontend.raw()
    market = one.market.allocate(HTTP_MARKET.format(name="edge-market"))
    doc = validate(raw.ok("one.market.info", market, False), "marketplace")
    assert (doc.findtext("MARKET_MAD"), doc.findtext("STATE"), doc.findtext("ZONE_ID")) == ("http", "0", "0")
    validate(raw.ok("one.marketpool.info", -2, -1, -1), "marketplace_pool")
    app = one.marketapp.allocate('NAME = "tmpl"\nORIGIN_ID = "-1"\nTYPE = "VMTEMPLATE"\nVERSION = "1.2"', market)
    image_app = one.marketapp.allocate({"MARKETPLACEAPP": {"NAME": "img", "ORIGIN_ID": "0", "SIZE": "9"}}, market)
    doc = validate(raw.ok("one.marketapp.info", app, False), "marketplaceapp")
    assert (doc.findtext("STATE"), doc.findtext("TYPE"), doc.findtext("VERSION"), doc.findtext("MARKETPLACE")) == (
        "1", "2", "1.2", "edge-market")
    img = validate(raw.ok("one.marketapp.info", image_app, False), "marketplaceapp")
    assert (img.findtext("STATE"), img.findtext("TYPE"), img.findtext("SIZE")) == ("2", "1", "0")
    validate(raw.ok("one.marketapppool.info", -2, -1, -1), "marketplaceapp_pool")
    assert sorted(one.market.info(market).MARKETPLACEAPPS.ID) == [app, image_app]
    # Apps: enable, update, rename, chmod, chown, lock.
    one.marketapp.enable(app, False)
    assert one.marketapp.info(app).STATE == 4
    one.marketapp.enable(app, True)
    one.marketapp.enable(image_app, False)  # LOCKED apps keep their state
    assert one.marketapp.info(image_app).STATE == 2
    one.marketapp.update(app, 'DESCRIPTION = "d"', 1)
    one.marketapp.rename(app, "tmpl2")
    one.marketapp.chmod(app, -1, -1, -1, 1, -1, -1, -1, -1, -1)
    one.marketapp.chown(app, -1, 1)
    one.marketapp.lock(app, 1, False)
    assert validate(raw.ok("one.marketapp.info", app, False), "marketplaceapp").findtext("LOCK/LOCKED") == "1"
    raw.fails("one.marketapp.delete", app, code=LOCKED_ERR)
    one.marketapp.unlock(app)
    # Markets: no delete while they have apps.
    raw.fails("one.market.delete", market, code=ACTION)
    one.market.enable(market, False)
    assert one.market.info(market).STATE == 1
    raw.fails("one.marketapp.allocate", 'NAME = "late"\nORIGIN_ID = "-1"', market, code=ACTION)
    one.market.enable(market, True)
    one.market.update(market, 'BASE_URL = "http://other"', 1)
    assert one.market.info(market).TEMPLATE["BASE_URL"] == "http://other"
    raw.fails("one.market.update", market, 'MARKET_MAD = "ftp"', 1, code=ACTION)
    one.market.rename(market, "edge-market2")
    one.market.chmod(market, -1, -1, -1, 1, -1, -1, -1, -1, -1)
    one.market.chown(market, -1, 1)
    for oid in (app, image_app):
        one.marketapp.delete(oid)
        raw.fails("one.marketapp.info", oid, False, code=NO_EXISTS)
    one.market.delete(market)
    raw.fails("one.market.info", market, False, code=NO_EXISTS)


def test_refusals_change_nothing(frontend):
    one, raw = frontend.pyone(), frontend.raw()
    public = one.market.allocate('NAME = "public"\nMARKET_MAD = "dockerhub"')
    market = one.market.allocate(HTTP_MARKET.format(name="guarded"))
    markets = raw.ok("one.marketpool.info", -2, -1, -1)
    apps = raw.ok("one.marketapppool.info", -2, -1, -1)
    raw.fails("one.market.allocate", 'NAME = "x"', code=ALLOCATE)
    raw.fails("one.market.allocate", 'NAME = "x"\nMARKET_MAD = "http"', code=ALLOCATE)
    raw.fails("one.market.allocate", 'NAME = "guarded"\nMARKET_MAD = "one"', code=ALLOCATE)
    raw.fails("one.market.allocate", 'NAME = [ x', code=INTERNAL)
    raw.fails("one.marketapp.allocate", 'NAME = "a"\nORIGIN_ID = "-1"', public, code=ACTION)
    raw.fails("one.marketapp.allocate", 'NAME = "a"', market, code=ALLOCATE)
    raw.fails("one.marketapp.allocate", 'NAME = "a"\nORIGIN_ID = "-1"\nTYPE = "X"', market, code=ALLOCATE)
    raw.fails("one.marketapp.allocate", 'NAME = "a"\nORIGIN_ID = "-1"', 999, code=NO_EXISTS)
    for verb, args in (("info", (False,)), ("delete", ()), ("enable", (True,)), ("rename", ("n",))):
        raw.fails(f"one.market.{verb}", 999, *args, code=NO_EXISTS)
        raw.fails(f"one.marketapp.{verb}", 999, *args, code=NO_EXISTS)
    raw.ok("one.user.allocate", "mk-user", "pw", "", [])
    user = frontend.raw("mk-user:pw")
    user.fails("one.market.allocate", HTTP_MARKET.format(name="mine"), code=AUTHORIZATION)
    user.fails("one.market.delete", market, code=AUTHORIZATION)
    validate(user.ok("one.market.info", market, False), "marketplace")  # the default ACL lets all USE markets
    user.fails("one.marketapp.allocate", 'NAME = "a"\nORIGIN_ID = "-1"', market, code=AUTHORIZATION)
    assert raw.ok("one.marketpool.info", -2, -1, -1) == markets
    assert raw.ok("one.marketapppool.info", -2, -1, -1) == apps
    validate(frontend.raw("mk-user:pw").ok("one.marketpool.info", -2, -1, -1), "marketplace_pool")
