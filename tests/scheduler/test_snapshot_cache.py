"""read_snapshot with the service's ViewCache: unchanged documents keep their views, changed ones do not."""

from __future__ import annotations

from pathlib import Path

from oneedge.nebula import build_core
from oneedge.pool.host import Host, HostState
from oneedge.pool.types import ObjectType
from oneedge.pool.permissions import Permissions
from oneedge.pool.vm import VirtualMachine, VmState
from oneedge.scheduler.config import SchedulerSettings
from oneedge.scheduler.snapshot import ViewCache, read_snapshot
from oneedge.template import parse


def test_views_are_reused_until_their_document_changes(tmp_path: Path) -> None:
    core = build_core(tmp_path / "home")
    try:
        hosts, vms = core.pools[ObjectType.HOST], core.pools[ObjectType.VM]
        with core.store.write() as conn:
            for name in ("a", "b"):
                host = Host.new(name, "dummy", "dummy", 0, "default")
                host.set_state(HostState.MONITORED)
                hosts.allocate(conn, host)
            vm = VirtualMachine.new(0, 0, "oneadmin", "oneadmin", "v", Permissions(1, 1, 0, 0, 0, 0, 0, 0, 0),
                                    VmState.PENDING, parse("CPU = 1\nMEMORY = 32"), parse(""), 1)
            vms.allocate(conn, vm)

        cache = ViewCache()

        def snapshot():
            with core.store.read() as conn:
                return read_snapshot(conn, core.pools, core.acl, SchedulerSettings(), cache)

        first = snapshot()
        assert [h.name for h in first.hosts] == ["a", "b"] and [v.id for v in first.vms] == [vm.oid]
        again = snapshot()
        assert all(x is y for x, y in zip(first.hosts + first.vms, again.hosts + again.vms))
        with core.store.write() as conn:
            host = hosts.get(conn, first.hosts[0].id)
            host.add_vm(99, 100, 1024)
            hosts.update(conn, host)
        changed = snapshot()
        assert changed.hosts[0] is not first.hosts[0] and changed.hosts[0].running_vms == 1
        assert changed.hosts[1] is first.hosts[1] and changed.vms[0] is first.vms[0]
    finally:
        core.store.dispose()
