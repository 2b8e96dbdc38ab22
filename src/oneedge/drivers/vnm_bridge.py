"""VN_MAD ``bridge`` and ``802.1Q``: a Linux bridge per network and a tap per NIC.

``pre`` creates, on the VM's host, the network's BRIDGE when missing, its
uplink (PHYDEV, or the 802.1Q interface PHYDEV.VLAN_ID when the NIC has a
VLAN_ID), and the tap ``one-<vm>-<nic>`` attached to the bridge, which the
virtualization driver opens. ``clean`` removes the taps, then the bridges and
VLAN interfaces this driver made that no VM uses any more; it is safe to run
after a failed ``pre`` or twice. The host-side work is ``remotes/vnm/bridge``;
a broken NIC (missing PHYDEV, bad VLAN_ID or name) fails before anything is
made there. Each driver handles the NICs whose VN_MAD is its name.
"""

from __future__ import annotations

import json

from oneedge.drivers.base import DriverConfig, DriverError
from oneedge.drivers.requests import VmContext
from oneedge.drivers.transport import TransportError
from oneedge.drivers.transport_factory import Transports
from oneedge.drivers.vnm import NetworkDriver
from oneedge.drivers.vnm_nics import Nic, nics


class BridgeNetworkDriver(NetworkDriver):
    transports: Transports

    def __init__(self, config: DriverConfig, transports: Transports) -> None:
        super().__init__(config, transports)

    def nics(self, ctx: VmContext) -> list[Nic]:
        return nics(ctx.document, frozenset({self.name}))

    async def host_script(self, ctx: VmContext, script: str, action: str, stdin: bytes) -> None:
        """Run a ``remotes/vnm`` script on the VM's host; its stderr line is the error."""
        try:
            result = await self.transports.for_host(ctx.host).run(
                f"vnm/{script}", [action], stdin=stdin, timeout=self.config.timeout)
        except TransportError as exc:
            raise DriverError(f"{action}: {exc}") from None
        if not result.ok:
            raise DriverError(result.stderr.decode(errors="replace").strip() or f"{action}: exit {result.rc}")

    @staticmethod
    def _taps(found: list[Nic]) -> bytes:
        return json.dumps({"taps": [{"name": n.tap, "bridge": n.bridge, "phydev": n.phydev,
                                     "vlan_id": n.vlan_id, "mtu": n.mtu} for n in found]}).encode()

    async def pre(self, ctx: VmContext) -> None:
        found = self.nics(ctx)
        if found:
            await self.host_script(ctx, "bridge", "pre", self._taps(found))

    async def post(self, ctx: VmContext) -> None:
        """Nothing once the VM runs: the taps were made in ``pre``."""

    async def clean(self, ctx: VmContext) -> None:
        found = self.nics(ctx)
        if found:
            await self.host_script(ctx, "bridge", "clean", self._taps(found))

    async def update_sg(self, ctx: VmContext) -> None:
        """No security groups on plain bridges (use VN_MAD ``fw``)."""
