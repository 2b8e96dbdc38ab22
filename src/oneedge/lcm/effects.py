"""The consistency work of a transition, done in its transaction.

Capacity on hosts (HOST_SHARE through ``Host.add_vm``/``del_vm``), leases
(``VirtualNetworkAPI.allocate_lease``/``release_lease``), images
(``ImageAPI.release``), history records and the VM's ERROR. Capacity effects
*ensure* a fact (the VM counts on the host, or not) rather than toggle it,
so replaying a transition after a crash never counts a VM twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from oneedge.context.substitute import substitute_leases
from oneedge.lcm import disks, hotplug
from oneedge.lcm.capacity import capacity
from oneedge.lcm.events import Effect
from oneedge.lcm.table import State
from oneedge.errors import RequestError
from oneedge.pool.host import Host
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import History, LcmState, VirtualMachine, VmState
from oneedge.rm.api.image import ImageAPI
from oneedge.rm.api.secgroup import SecurityGroupAPI
from oneedge.rm.api.vnet import VirtualNetworkAPI
from oneedge.rm.request import AuthUser, Request
from oneedge.template import Template

if TYPE_CHECKING:
    from oneedge.nebula import Core

#: Attributes a lease adds to a NIC besides the address it keeps (VirtualNetwork::nic_attribute).
_LEASE_ONLY = ("AR_ID", "IP6_LINK", "IP6_ULA", "IP6_GLOBAL")


@dataclass(frozen=True)
class Outcome:
    """What a driver step reported: its error message, or the names it gave."""

    message: str = ""
    deploy_id: str = ""
    #: The hypervisor's name of a snapshot just created.
    hypervisor_id: str = ""


def log_time(now: float) -> str:
    """OpenNebula's ``one_util::log_time`` format, used in ERROR and vm.log."""
    return time.strftime("%a %b %d %H:%M:%S %Y", time.localtime(now))


def owner_request(core: Core, vm: VirtualMachine) -> Request:
    """A request on behalf of the VM's owner: leases are checked against the owner's rights,
    whoever (the scheduler, an admin) placed the VM."""
    user = AuthUser(vm.uid, vm.gid, frozenset({vm.gid}), vm.get("UNAME") or "", vm.get("GNAME") or "")
    return Request(core, user, "one.vm.deploy")


class Effects:
    """Applies a transition's effects to a VM document and the objects it references."""

    def __init__(self, core: Core) -> None:
        self.core = core

    @property
    def hosts(self):
        return self.core.pools[ObjectType.HOST]

    def apply(self, conn: Connection, vm: VirtualMachine, source: State, effects: frozenset[Effect],
              outcome: Outcome, now: float, hosts: dict[int, Host | None]) -> None:
        """Apply ``effects`` (the VM already in its new state) in the caller's transaction;
        ``hosts`` caches the hosts this transition reads."""
        last = vm.last_history()
        if Effect.REVERT_MIGRATION in effects:
            self._revert_migration(conn, vm, now, hosts)
        if Effect.ADD_CAPACITY in effects and last is not None:
            self._ensure(conn, vm, last.get_int("HID"), present=True, hosts=hosts)
        if Effect.DEL_PREVIOUS_CAPACITY in effects:
            records = vm.histories()
            if len(records) > 1 and records[-2].get_int("HID") != records[-1].get_int("HID"):
                self._ensure(conn, vm, records[-2].get_int("HID"), present=False, hosts=hosts)
        if Effect.DEL_CAPACITY in effects and last is not None:
            self._ensure(conn, vm, last.get_int("HID"), present=False, hosts=hosts)
        if Effect.TAKE_LEASES in effects:
            self.take_leases(conn, vm)
        if Effect.RELEASE_LEASES in effects:
            self.release_leases(conn, vm)
        if Effect.RELEASE_IMAGES in effects:
            images = self.core.api(ImageAPI)
            for disk in vm.disks():
                if disk.findtext("IMAGE_ID"):
                    images.release(conn, int(disk.findtext("IMAGE_ID") or -1), vm.oid)
        if Effect.HOTPLUG_COMMIT in effects:
            hotplug.commit(self, conn, vm, outcome)
        if Effect.HOTPLUG_ROLLBACK in effects:
            hotplug.rollback(self, conn, vm)
        if Effect.DISK_COMMIT in effects:
            disks.commit(self, conn, vm, source, outcome)
        if Effect.DISK_ROLLBACK in effects:
            disks.rollback(self, conn, vm, source, outcome)
        if Effect.SET_RESCHED in effects:
            vm.set("RESCHED", 1)
        if Effect.CLEAR_RESCHED in effects:
            vm.set("RESCHED", 0)
        if Effect.SET_DEPLOY_ID in effects and outcome.deploy_id:
            vm.deploy_id = outcome.deploy_id
        if Effect.ERROR in effects and outcome.message:
            user = vm.user_template
            user.set("ERROR", f"{log_time(now)} : {outcome.message}")
            vm.user_template = user
        last = vm.last_history()
        if last is not None:
            _history_times(last, source, (vm.state, vm.lcm_state), int(now), Effect.CLOSE_HISTORY in effects)
        if vm.state is VmState.DONE:
            vm.set("ETIME", int(now))

    # -- capacity ---------------------------------------------------------------------------
    def host(self, conn: Connection, host_id: int, cache: dict[int, Host | None] | None = None) -> Host | None:
        """The host, or None when it was deleted (a deleted host counts nothing).

        ``cache`` holds the hosts one transition already read (it lives as long
        as the transition, and every change is written through at once), so a
        transition reads each host once.
        """
        cache = {} if cache is None else cache
        if host_id not in cache:
            try:
                cache[host_id] = self.hosts.get(conn, host_id)
            except RequestError:
                cache[host_id] = None
        return cache[host_id]

    def _ensure(self, conn: Connection, vm: VirtualMachine, host_id: int, present: bool,
                hosts: dict[int, Host | None]) -> None:
        host = self.host(conn, host_id, hosts)
        if host is None:
            return
        if (vm.oid in host.vms) == present:
            return
        cpu, memory = capacity(vm)
        if present:
            host.add_vm(vm.oid, cpu, memory)
        else:
            host.del_vm(vm.oid, cpu, memory)
        self.hosts.update(conn, host)

    def move_capacity(self, conn: Connection, vm: VirtualMachine, old: tuple[int, int]) -> None:
        """The VM's CPU/MEMORY changed from ``old`` on its host (resize): recount it there."""
        last = vm.last_history()
        host = None if last is None else self.host(conn, last.get_int("HID"))
        if host is not None and vm.oid in host.vms:
            host.del_vm(vm.oid, *old)
            host.add_vm(vm.oid, *capacity(vm))
            self.hosts.update(conn, host)

    def _revert_migration(self, conn: Connection, vm: VirtualMachine, now: float,
                          hosts: dict[int, Host | None]) -> None:
        """Back on the previous host: the new placement is closed and the previous one reopened
        (LifeCycleManager::revert_migrate_after_failure)."""
        records = vm.histories()
        new, previous = records[-1], records[-2]
        if new.get_int("HID") != previous.get_int("HID"):
            self._ensure(conn, vm, new.get_int("HID"), present=False, hosts=hosts)
        new.set("ETIME", int(now))
        fields = {name: previous.get(name) for name in ("HOSTNAME", "HID", "CID", "VM_MAD", "TM_MAD", "DS_ID")}
        vm.add_history(**fields, STIME=int(now), RSTIME=int(now), UID=new.get("UID"), GID=new.get("GID"))
        self._ensure(conn, vm, previous.get_int("HID"), present=True, hosts=hosts)

    # -- leases -----------------------------------------------------------------------------
    def take_leases(self, conn: Connection, vm: VirtualMachine) -> None:
        """Every NIC without a lease gets one from its network (as the VM's owner)."""
        # NOTE: every deploy comes here; a VM without NICs has no template to parse.
        template = vm.template if vm.root.find("TEMPLATE/NIC") is not None else Template()
        vnets = self.core.api(VirtualNetworkAPI)
        req = owner_request(self.core, vm)
        changed = False
        for nic in template.vectors("NIC"):
            if not nic.get("AR_ID"):
                vnets.allocate_lease(conn, req, nic, vm.oid)
                changed = True
        if changed:
            # The network drivers filter each NIC by the rules of its groups, as they are now.
            groups = {int(g) for nic in template.vectors("NIC")
                      for g in (nic.get("SECURITY_GROUPS") or "").split(",") if g.strip().isdigit()}
            template.remove("SECURITY_GROUP_RULE")
            for rule in self.core.api(SecurityGroupAPI).vm_rules(conn, groups):
                template.add(rule)
            vm.template = template
        # CONTEXT values reading the leases ($NIC[IP], $NETWORK[...]) waited for them.
        substitute_leases(conn, self.core.pools, vm)

    def release_leases(self, conn: Connection, vm: VirtualMachine) -> None:
        """Every leased NIC gives its address back; it keeps asking for the same address
        (IP, else IP6, else MAC) so a redeployed VM gets it again when free."""
        template = vm.template
        vnets = self.core.api(VirtualNetworkAPI)
        changed = False
        for nic in template.vectors("NIC"):
            if not nic.get("AR_ID"):
                continue
            self.release_nic(conn, vnets, vm.oid, nic.get("NETWORK_ID"), nic.get("IP") or nic.get("IP6")
                             or nic.get("MAC") or "")
            keep = next(k for k in ("IP", "IP6", "MAC") if nic.get(k) or k == "MAC")
            for key in (*_LEASE_ONLY, *(k for k in ("IP", "IP6", "MAC") if k != keep)):
                nic.remove(key)
            changed = True
        if changed:
            vm.template = template

    @staticmethod
    def release_nic(conn: Connection, vnets: VirtualNetworkAPI, vm_id: int, network_id: str | None,
                    address: str) -> None:
        if network_id and network_id.lstrip("-").isdigit() and address:
            vnets.release_lease(conn, int(network_id), vm_id, address)


_PROLOG = {LcmState.PROLOG, LcmState.PROLOG_RESUME, LcmState.PROLOG_UNDEPLOY, LcmState.PROLOG_MIGRATE,
           LcmState.PROLOG_MIGRATE_POWEROFF, LcmState.PROLOG_MIGRATE_SUSPEND, LcmState.PROLOG_MIGRATE_UNKNOWN}
_EPILOG = {LcmState.EPILOG, LcmState.EPILOG_STOP, LcmState.EPILOG_UNDEPLOY}
_RUN = {LcmState.BOOT, LcmState.BOOT_MIGRATE, LcmState.BOOT_STOPPED, LcmState.BOOT_UNDEPLOY, LcmState.BOOT_POWEROFF,
        LcmState.BOOT_SUSPENDED, LcmState.BOOT_UNKNOWN, LcmState.RUNNING, LcmState.MIGRATE}


def _history_times(record: History, source: State, target: State, now: int, close: bool) -> None:
    """PSTIME/PETIME, RSTIME/RETIME and ESTIME/EETIME as the placement enters and leaves its phases."""
    old, new = source[1], target[1]
    if new in _PROLOG and old not in _PROLOG:
        record.set("PSTIME", now)
    if old in _PROLOG and new not in _PROLOG and new not in FAILURE_OF_PROLOG:
        record.set("PETIME", now)
    if new in _RUN and old not in _RUN and not record.get_int("RSTIME"):
        record.set("RSTIME", now)
    if old in _RUN and new not in _RUN and record.get_int("RSTIME"):
        record.set("RETIME", now)
    if new in _EPILOG and old not in _EPILOG:
        record.set("ESTIME", now)
    if old in _EPILOG and new not in _EPILOG and target[0] is not VmState.ACTIVE:
        record.set("EETIME", now)
    if close and not record.get_int("ETIME"):
        record.set("ETIME", now)


FAILURE_OF_PROLOG = {LcmState.PROLOG_FAILURE, LcmState.PROLOG_RESUME_FAILURE, LcmState.PROLOG_UNDEPLOY_FAILURE,
                     LcmState.PROLOG_MIGRATE_FAILURE, LcmState.PROLOG_MIGRATE_POWEROFF_FAILURE,
                     LcmState.PROLOG_MIGRATE_SUSPEND_FAILURE, LcmState.PROLOG_MIGRATE_UNKNOWN_FAILURE}
