"""``one.marketapp.*`` and ``one.marketapppool.info``: app records in their marketplaces.

Exporting an image to a market and importing apps from one are driver
actions that come with the marketplace drivers; until then an IMAGE app stays
LOCKED, as it does in OpenNebula while its driver works.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from oneedge.errors import action_error, allocate_error
from oneedge.pool.marketapp import AppState, MarketApp, parse_app
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.api.market import ZONE_ID, MarketAPI
from oneedge.rm.api.shared import ObjectAPI, check_name, parse_template
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request


class MarketAppAPI(ObjectAPI[MarketApp]):
    KIND = ObjectType.MARKETPLACEAPP
    PREFIX = "one.marketapp"
    POOL_PREFIX = "one.marketapppool"
    POOL_ROOT = "MARKETPLACEAPP_POOL"
    VERBS = ("info", "pool_info", "update", "rename", "chown", "chmod", "lock", "unlock", "delete")

    @property
    def markets(self) -> MarketAPI:
        return self.core.api(MarketAPI)

    def allocate(self, req: Request, text: str, market_id: int) -> int:
        template = parse_template(text)
        try:
            spec = parse_app(template)
        except ValueError as exc:
            raise allocate_error("marketplace app", str(exc)) from None
        check_name(spec.name)
        req.authorize_create(ObjectType.MARKETPLACEAPP)
        with self.core.store.write() as conn:
            market = self.markets.get(conn, market_id)
            req.authorize(AuthOp.USE, market)
            if "create" not in market.mad.app_actions:
                raise action_error(f"Create disabled for market: {market.name}", market_id)
            if not market.enabled:
                raise action_error(f"Marketplace {market.name} is disabled", market_id)
            if self.pool.get_by_name(conn, spec.name, req.user.uid) is not None:
                raise allocate_error("marketplace app", "NAME is already taken by MARKETPLACEAPP")
            user = req.user
            app = MarketApp.new(spec, user.uid, user.name, user.gid, user.gname,
                                self.new_permissions(user.uid, user.gid), ZONE_ID, market_id,
                                market.name, template)
            oid = self.pool.allocate(conn, app)
            self.markets.add_app(conn, market, oid)
            return oid

    def before_delete(self, req: Request, conn: Connection, obj: MarketApp) -> None:
        if self.markets.pool.exists(conn, obj.market_id):
            market = self.markets.get(conn, obj.market_id)
            if "delete" not in market.mad.app_actions:
                raise action_error(f"Delete disabled for market: {market.name}", obj.oid)
        self.markets.del_app(conn, obj.market_id, obj.oid)

    def enable(self, req: Request, oid: int, enable: bool) -> int:
        """READY <-> DISABLED; apps in other states keep theirs (MarketPlaceApp::enable)."""
        with self.core.store.write() as conn:
            app = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, app)
            if app.state in (AppState.READY, AppState.DISABLED):
                app.set("STATE", int(AppState.READY if enable else AppState.DISABLED))
                self.pool.update(conn, app)
        return oid

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.marketapp.allocate", self.allocate, str, int),
            method("one.marketapp.enable", self.enable, int, bool),
        ]
