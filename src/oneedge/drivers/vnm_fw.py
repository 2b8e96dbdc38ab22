"""VN_MAD ``fw``: a bridge as ``bridge`` does, plus the NICs' security groups in nftables.

``post`` (the VM is on its host) and ``update_sg`` (its groups changed) load
each NIC's ruleset from ``vnm_nft.ruleset``, replacing the previous one in one
transaction; NICs whose groups accept everything both ways get no tables.
``clean`` removes the NICs' tables first, then the taps and bridges, and
still removes the taps when the tables were already gone or failed to go.
"""

from __future__ import annotations

from oneedge.drivers.base import DriverError
from oneedge.drivers.requests import VmContext
from oneedge.drivers.vnm_bridge import BridgeNetworkDriver
from oneedge.drivers.vnm_nft import needs_filter, nic_rules, removal, ruleset, table_name
from oneedge.drivers.vnm_nics import rules


class FirewallNetworkDriver(BridgeNetworkDriver):
    def rulesets(self, ctx: VmContext) -> tuple[str, list[str]]:
        """(text loading the filtered NICs' tables, names of every handled NIC's tables)."""
        found = self.nics(ctx)
        every_rule = rules(ctx.document)
        texts, unfiltered = [], []
        for nic in found:
            mine = nic_rules(nic, every_rule)
            if needs_filter(mine):
                texts.append(ruleset(nic, mine))
            else:
                unfiltered.append(table_name(nic))
        # NICs that no longer need a filter lose the one they may have had.
        return removal(unfiltered) + "".join(texts), [table_name(n) for n in found]

    async def post(self, ctx: VmContext) -> None:
        text, _ = self.rulesets(ctx)
        if text:
            await self.host_script(ctx, "fw", "apply", text.encode())

    async def update_sg(self, ctx: VmContext) -> None:
        await self.post(ctx)

    async def clean(self, ctx: VmContext) -> None:
        names = [table_name(n) for n in self.nics(ctx)]
        failure: DriverError | None = None
        if names:
            try:
                await self.host_script(ctx, "fw", "remove", removal(names).encode())
            except DriverError as exc:
                failure = exc
        await super().clean(ctx)
        if failure is not None:
            raise failure
