"""``one.vm.action``, ``deploy``, ``migrate`` and ``recover``: user actions on the VM lifecycle.

Each call is one write transaction: the VM is read, authorized, the state
table applied (``LifeCycleManager.transition``), and on refusal nothing
changes and OpenNebula's error is answered (ACTION, "wrong state").
``deploy`` is also the in-process entry point of the scheduler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from oneedge.errors import action_error
from oneedge.lcm import machine
from oneedge.lcm.attach import HotplugVerbs
from oneedge.lcm.disk_verbs import DiskVerbs
from oneedge.lcm.dispatch import Placer, deploy_event
from oneedge.lcm.events import VERBS, Event
from oneedge.lcm.manager import LifeCycleManager
from oneedge.pool.types import AuthOp
from oneedge.pool.vm import LcmState, VirtualMachine, VmState
from oneedge.rm.api.vm import VMAPI
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request

if TYPE_CHECKING:
    from oneedge.nebula import Core

#: one.vm.action's names (VMActions::action_from_str) and the authorization each needs
#: (oned.conf's VM_ADMIN_OPERATIONS and VM_MANAGE_OPERATIONS defaults).
ACTIONS: dict[str, tuple[Event, AuthOp]] = {
    "terminate": (Event.TERMINATE, AuthOp.MANAGE), "terminate-hard": (Event.TERMINATE_HARD, AuthOp.MANAGE),
    "undeploy": (Event.UNDEPLOY, AuthOp.MANAGE), "undeploy-hard": (Event.UNDEPLOY_HARD, AuthOp.MANAGE),
    "poweroff": (Event.POWEROFF, AuthOp.MANAGE), "poweroff-hard": (Event.POWEROFF_HARD, AuthOp.MANAGE),
    "reboot": (Event.REBOOT, AuthOp.MANAGE), "reboot-hard": (Event.REBOOT_HARD, AuthOp.MANAGE),
    "hold": (Event.HOLD, AuthOp.MANAGE), "release": (Event.RELEASE, AuthOp.MANAGE),
    "stop": (Event.STOP, AuthOp.MANAGE), "suspend": (Event.SUSPEND, AuthOp.MANAGE),
    "resume": (Event.RESUME, AuthOp.MANAGE),
    "resched": (Event.RESCHED, AuthOp.ADMIN), "unresched": (Event.UNRESCHED, AuthOp.ADMIN),
}
#: one.vm.migrate's cold migration types; others mean 0, as before OpenNebula 5.8 (DispatchManager::migrate).
COLD_MIGRATIONS: dict[int, Event] = {0: Event.MIGRATE, 1: Event.MIGRATE_POWEROFF, 2: Event.MIGRATE_POWEROFF_HARD}
#: one.vm.recover's operations.
RECOVER: dict[int, Event] = {0: Event.RECOVER_FAILURE, 1: Event.RECOVER_SUCCESS, 2: Event.RETRY,
                             3: Event.DELETE, 4: Event.DELETE_RECREATE}


def wrong_state(event: Event, vm: VirtualMachine) -> str:
    return f"Could not {VERBS[event]} VM {vm.oid}, wrong state {machine.state_name((vm.state, vm.lcm_state))}."


class VirtualMachineActionsAPI(HotplugVerbs, DiskVerbs):
    def __init__(self, core: Core) -> None:
        self.core = core

    @property
    def lcm(self) -> LifeCycleManager:
        for service in self.core.services:
            if isinstance(service, LifeCycleManager):
                return service
        raise LookupError("the lifecycle manager is not among the front-end's services")

    @property
    def vms(self) -> VMAPI:
        return self.core.api(VMAPI)

    def vm(self, req: Request, conn: Connection, vm_id: int, op: AuthOp) -> VirtualMachine:
        vm = self.vms.get(conn, vm_id)  # NO_EXISTS when there is none
        self.vms.authorize(req, conn, op, vm)
        return vm

    # -- one.vm.action ----------------------------------------------------------------------
    def action(self, req: Request, name: str, vm_id: int) -> int:
        if name not in ACTIONS:
            raise action_error(f'Action "{name}" is not supported', vm_id)
        event, op = ACTIONS[name]
        with self.core.store.write() as conn:
            vm = self.vm(req, conn, vm_id, op)
            if event in (Event.TERMINATE, Event.TERMINATE_HARD) and vm.state is VmState.DONE:
                return vm_id  # DispatchManager::terminate does nothing on a DONE VM
            try:
                self.lcm.transition(conn, vm, event, req=req)
            except machine.NotAllowed:
                raise action_error(f'Error performing action "{name}": {wrong_state(event, vm)}', vm_id) from None
        return vm_id

    # -- one.vm.deploy ------------------------------------------------------------------------
    def deploy(self, req: Request, vm_id: int, host_id: int, enforce: bool = False, ds_id: int = -1,
               extra: str = "") -> int:
        """Place a PENDING, HOLD, STOPPED or UNDEPLOYED VM on a host; the scheduler calls this too."""
        with self.core.store.write() as conn:
            self.deploy_in(conn, req, vm_id, host_id, enforce, ds_id)
        return vm_id

    def deploy_in(self, conn: Connection, req: Request, vm_id: int, host_id: int, enforce: bool = False,
                  ds_id: int = -1) -> None:
        """``deploy`` in the caller's transaction (a scheduler placing many VMs in one)."""
        placer = Placer(self.lcm)
        host = placer.host(conn, host_id)
        vm = self.vm(req, conn, vm_id, AuthOp.ADMIN)
        if vm.state not in (VmState.PENDING, VmState.HOLD, VmState.STOPPED, VmState.UNDEPLOYED):
            raise action_error(f"Deploy action is not available for state {machine.state_name((vm.state, vm.lcm_state))}",
                               vm_id)
        event = deploy_event(vm)
        last = vm.last_history()
        if ds_id == -1 and last is not None and event is not Event.DEPLOY:
            ds_id = last.get_int("DS_ID")  # its disks wait in that datastore
        ds = placer.system_datastore(conn, host, ds_id)
        placer.check_host(vm, host, enforce)
        placer.check_drivers(host, ds)
        placer.open_history(vm, host, ds, req)
        self.lcm.transition(conn, vm, event, req=req, host=host)

    # -- one.vm.migrate -------------------------------------------------------------------------
    def migrate(self, req: Request, vm_id: int, host_id: int, live: bool = False, enforce: bool = False,
                ds_id: int = -1, kind: int = 0) -> int:
        """Move a VM to another host: live where the driver can, else cold: save, transfer and
        restore (``kind`` 0), or shut down (1) or cancel (2), transfer and boot."""
        with self.core.store.write() as conn:
            placer = Placer(self.lcm)
            host = placer.host(conn, host_id)
            vm = self.vm(req, conn, vm_id, AuthOp.ADMIN)
            state = (vm.state, vm.lcm_state)
            movable = {(VmState.ACTIVE, LcmState.RUNNING), (VmState.ACTIVE, LcmState.UNKNOWN),
                       (VmState.POWEROFF, LcmState.LCM_INIT), (VmState.SUSPENDED, LcmState.LCM_INIT)}
            if state not in movable or (live and state != (VmState.ACTIVE, LcmState.RUNNING)):
                raise action_error(f"Migrate action is not available for state {machine.state_name(state)}", vm_id)
            last = vm.last_history()
            if ds_id == -1:
                ds_id = last.get_int("DS_ID")
            if ds_id != last.get_int("DS_ID"):
                raise action_error("Migration to another system datastore is not supported", vm_id)
            if host_id == last.get_int("HID"):
                raise action_error(f"VM is already running on Host [{host_id}] and Datastore [{ds_id}]", vm_id)
            ds = placer.system_datastore(conn, host, ds_id)
            if live:
                capabilities = self.lcm.drivers.runner("vmm", last.get("VM_MAD")).driver.CAPABILITIES
                if not capabilities.live_migration or host.vm_mad != last.get("VM_MAD"):
                    raise action_error(f"Live migration is not supported by driver {last.get('VM_MAD')} "
                                       f"to host [{host_id}]", vm_id)
            placer.check_host(vm, host, enforce)
            placer.check_drivers(host, ds)
            placer.open_history(vm, host, ds, req)
            event = Event.LIVE_MIGRATE if live else COLD_MIGRATIONS.get(kind, Event.MIGRATE)
            self.lcm.transition(conn, vm, event, req=req, host=host)
        return vm_id

    # -- one.vm.recover -------------------------------------------------------------------------
    def recover(self, req: Request, vm_id: int, operation: int) -> int:
        if operation not in RECOVER:
            raise action_error(f"Wrong recovery operation code {operation}", vm_id)
        event = RECOVER[operation]
        with self.core.store.write() as conn:
            vm = self.vm(req, conn, vm_id, AuthOp.ADMIN)
            if vm.state is VmState.DONE and event is Event.DELETE:
                return vm_id
            if vm.state is VmState.DONE and event is Event.DELETE_RECREATE:
                raise action_error("Cannot delete-recreate a VM already in DONE state", vm_id)
            try:
                self.lcm.transition(conn, vm, event, req=req)
            except machine.NotAllowed:
                raise action_error(wrong_state(event, vm), vm_id) from None
        return vm_id

    def methods(self) -> list[Method]:
        return [
            method("one.vm.action", self.action, str, int),
            method("one.vm.deploy", self.deploy, int, int, bool, int, str),
            method("one.vm.migrate", self.migrate, int, int, bool, bool, int, int),
            method("one.vm.recover", self.recover, int, int),
            *self.hotplug_methods(),
            *self.disk_methods(),
        ]
