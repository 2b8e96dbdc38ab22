"""``one.market.*`` and ``one.marketpool.info``: marketplace records (drivers come later)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from oneedge.errors import action_error, allocate_error
from oneedge.pool.market import Market, MarketState, check_market_template
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.api.shared import ObjectAPI, check_name, parse_template
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import Template

#: The only zone of a oneedge front-end (OpenNebula's default zone).
ZONE_ID = 0


class MarketAPI(ObjectAPI[Market]):
    KIND = ObjectType.MARKETPLACE
    PREFIX = "one.market"
    POOL_PREFIX = "one.marketpool"
    POOL_ROOT = "MARKETPLACE_POOL"
    NAME_PER_OWNER = False

    # -- links used by apps ---------------------------------------------------------------
    def add_app(self, conn: Connection, market: Market, app_id: int) -> None:
        market.set_apps(market.apps | {app_id})
        self.pool.update(conn, market)

    def del_app(self, conn: Connection, market_id: int, app_id: int) -> None:
        if self.pool.exists(conn, market_id):
            market = self.get(conn, market_id)
            market.set_apps(market.apps - {app_id})
            self.pool.update(conn, market)

    # -- verbs ----------------------------------------------------------------------------
    def allocate(self, req: Request, text: str) -> int:
        template = parse_template(text)
        name = template.get("NAME") or ""
        check_name(name)
        for attr in ("NAME", "ZONE_ID"):
            template.remove(attr)
        try:
            mad = check_market_template(template)
        except ValueError as exc:
            raise allocate_error("marketplace", str(exc)) from None
        state = MarketState.DISABLED if (template.get("STATE") or "").upper() == "DISABLED" else MarketState.ENABLED
        template.remove("STATE")
        req.authorize_create(ObjectType.MARKETPLACE)
        with self.core.store.write() as conn:
            if self.pool.get_by_name(conn, name) is not None:
                raise allocate_error("marketplace", "NAME is already taken by MARKETPLACE")
            user = req.user
            market = Market.new(name, user.uid, user.name, user.gid, user.gname,
                                self.new_permissions(user.uid, user.gid), mad.name, ZONE_ID, template)
            market.set("STATE", int(state))
            return self.pool.allocate(conn, market)

    def before_delete(self, req: Request, conn: Connection, obj: Market) -> None:
        if obj.apps:
            raise action_error(f"Cannot delete marketplace. Marketplace  {obj.oid} is not empty.", obj.oid)

    def check_update(self, req: Request, conn: Connection, obj: Market, template: Template) -> None:
        if not template.get("MARKET_MAD"):
            template.set("MARKET_MAD", obj.get("MARKET_MAD", "") or "")
        try:
            check_market_template(template)
        except ValueError as exc:
            raise action_error(str(exc), obj.oid) from None

    def after_update(self, req: Request, conn: Connection, obj: Market) -> None:
        obj.set("MARKET_MAD", obj.template.get("MARKET_MAD") or "")

    def enable(self, req: Request, oid: int, enable: bool) -> int:
        with self.core.store.write() as conn:
            market = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, market)
            market.set("STATE", int(MarketState.ENABLED if enable else MarketState.DISABLED))
            self.pool.update(conn, market)
        return oid

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.market.allocate", self.allocate, str),
            method("one.market.enable", self.enable, int, bool),
        ]
