"""``one.vm.monitoring`` and ``one.vmpool.monitoring``: the records the monitor daemon writes.

The records live in ``vm_monitoring`` (``oneedge.pool.vm``, created with the
schema); ``oneedge.monitor.records`` reads them.
"""

from __future__ import annotations

import time


from oneedge.monitor import records
from oneedge.pool.types import AuthOp
from oneedge.rm.api.shared import FILTER_ALL
from oneedge.rm.api.vm import VMAPI
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request


class VMMonitoringAPI:
    def __init__(self, core) -> None:
        self.core = core

    @property
    def vms(self) -> VMAPI:
        return self.core.api(VMAPI)

    def monitoring(self, req: Request, oid: int) -> str:
        vms = self.vms
        with self.core.store.read() as conn:
            vm = vms.get(conn, oid)
            vms.authorize(req, conn, AuthOp.USE, vm, check_lock=False)
            found = records.vm_records(conn, [oid], -1, int(time.time()))
        return f"<MONITORING_DATA>{''.join(found)}</MONITORING_DATA>"

    def pool_monitoring(self, req: Request, flag: int = FILTER_ALL, seconds: int = -1) -> str:
        """Records of the VMs the filter shows: all (-1), the last of each (0) or of the last seconds."""
        with self.core.store.read() as conn:
            found = records.vm_records(conn, self.vms.visible_ids(req, flag), seconds, int(time.time()))
        return f"<MONITORING_DATA>{''.join(found)}</MONITORING_DATA>"

    def methods(self) -> list[Method]:
        return [
            method("one.vm.monitoring", self.monitoring, int),
            method("one.vmpool.monitoring", self.pool_monitoring, int, int),
        ]
