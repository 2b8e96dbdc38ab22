"""Running a driver step: the VMM, TM and VNM actions one lifecycle step is made of.

A :class:`StepRequest` carries every fact (built when the transition
committed); :func:`run` calls the drivers through their runners and returns
an :class:`~oneedge.lcm.effects.Outcome`, or raises DriverError. Nothing here
touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from oneedge.drivers.base import DriverError
from oneedge.drivers.requests import Transfer, VmContext
from oneedge.drivers.runner import DriverPool
from oneedge.lcm.effects import Outcome
from oneedge.lcm.events import Step

#: Steps that are only a transfer script, with the phase name TM drivers see.
TRANSFER_PHASES: dict[Step, str] = {
    Step.PROLOG: "prolog", Step.PROLOG_RESUME: "prolog_resume", Step.PROLOG_MIGRATE: "prolog_migrate",
    Step.EPILOG: "epilog", Step.EPILOG_LOCAL: "epilog", Step.EPILOG_STOP: "epilog_stop",
    Step.PROLOG_ATTACH: "prolog_attach", Step.EPILOG_DETACH: "epilog_detach",
}

#: Disk operations that are one transfer line (``oneedge.lcm.disks``), with their phase.
DISK_PHASES: dict[Step, str] = {
    Step.DISK_RESIZE_OFFLINE: "resize", Step.DISK_SAVEAS: "cpds", Step.DISK_SNAPSHOT_CREATE: "snap_create",
    Step.DISK_SNAPSHOT_REVERT: "snap_revert", Step.DISK_SNAPSHOT_DELETE: "snap_delete",
}


@dataclass(frozen=True)
class StepRequest:
    step: Step
    ctx: VmContext
    vm_mad: str
    #: The TM and VN drivers that act for this VM (the dummy ones on a simulated host).
    tm_mad: str
    vn_mads: tuple[str, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    #: The disk, NIC or snapshot a hotplug step is about (a disk step: the disk, and its
    #: snapshot's ID in ``hypervisor_id``).
    target_id: int = -1
    hypervisor_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)


async def _network(drivers: DriverPool, req: StepRequest, action: str) -> None:
    for name in req.vn_mads:
        runner = drivers.runner("vnm", name)
        await runner.call(action, lambda d, a=action: getattr(d, a)(req.ctx))


async def _undo_network(drivers: DriverPool, req: StepRequest) -> None:
    """A failed boot takes back what ``pre`` made (taps, bridges), as one_vmm_exec's deploy
    fail actions; the boot's error is the one the user sees, so a failed clean-up is dropped."""
    try:
        await _network(drivers, req, "clean")
    except DriverError:
        pass


async def _transfer(drivers: DriverPool, req: StepRequest, phase: str) -> None:
    runner = drivers.runner("tm", req.tm_mad)
    await runner.call(phase, lambda d: d.transfer(req.ctx, phase, list(req.transfers)))


async def _migrate_lines(drivers: DriverPool, req: StepRequest, action: str) -> None:
    """The step's PREMIGRATE lines run as ``action`` (PREMIGRATE, POSTMIGRATE, FAILMIGRATE)."""
    lines = [replace(line, action=action) for line in req.transfers]
    phase = action.lower()
    await drivers.runner("tm", req.tm_mad).call(phase, lambda d: d.transfer(req.ctx, phase, lines))


async def _migrate(drivers: DriverPool, req: StepRequest) -> Outcome:
    """A live migration as one_vmm_exec's: the TM brings the VM directory to the new host, its
    networks are set up there, the hypervisor migrates; a failure undoes the copy (FAILMIGRATE).
    From then on the VM runs on the new host: the source's networks and files go, and what
    fails there is only logged (the Outcome's message)."""
    await _migrate_lines(drivers, req, "PREMIGRATE")
    await _network(drivers, req, "pre")
    try:
        await drivers.runner("vmm", req.vm_mad).call("migrate", lambda d: d.migrate(req.ctx))
    except DriverError:
        try:
            await _migrate_lines(drivers, req, "FAILMIGRATE")
        except DriverError:
            pass  # the migration's error is the one the user sees
        raise
    source = replace(req, ctx=replace(req.ctx, host=req.ctx.previous_host))
    errors = []
    for part in (lambda: _network(drivers, source, "clean"), lambda: _network(drivers, req, "post"),
                 lambda: _migrate_lines(drivers, req, "POSTMIGRATE")):
        try:
            await part()
        except DriverError as exc:
            errors.append(str(exc))
    return Outcome(message="; ".join(errors))


async def run(drivers: DriverPool, req: StepRequest) -> Outcome:
    """Run the step's actions in order; the first failure fails the step (DriverError)."""
    step = req.step
    if step in TRANSFER_PHASES:
        await _transfer(drivers, req, TRANSFER_PHASES[step])
        return Outcome()
    vmm = drivers.runner("vmm", req.vm_mad)
    ctx = req.ctx
    if step in (Step.DEPLOY, Step.RESTORE):
        await _network(drivers, req, "pre")
        try:
            deploy_id = await vmm.call(step.value, lambda d: getattr(d, step.value)(ctx))
        except DriverError:
            await _undo_network(drivers, req)
            raise
        await _network(drivers, req, "post")
        return Outcome(deploy_id=deploy_id)
    if step is Step.EPILOG_POWEROFF:
        # A VM that monitoring turned POWEROFF (its QEMU died) still has its runtime files and
        # taps on the host: the VMM's cleanup and the networks' clean run before the epilog
        # (after a power-off by the drivers they find nothing to do).
        await vmm.call("cleanup", lambda d: d.cleanup(ctx))
        await _network(drivers, req, "clean")
        await _transfer(drivers, req, "epilog")
        return Outcome()
    if step in (Step.SHUTDOWN, Step.CANCEL, Step.SAVE):
        # one_vmm_exec's shutdown, cancel and save: the VM's networks go with its process.
        await vmm.call(step.value, lambda d: getattr(d, step.value)(ctx))
        await _network(drivers, req, "clean")
        return Outcome()
    if step is Step.MIGRATE:
        return await _migrate(drivers, req)
    if step in (Step.REBOOT, Step.RESET, Step.RESIZE):
        await vmm.call(step.value, lambda d: getattr(d, step.value)(ctx))
        return Outcome()
    if step is Step.ATTACH_DISK:
        await _transfer(drivers, req, "prolog_attach")
        await vmm.call("attach_disk", lambda d: d.attach_disk(ctx, req.target_id))
        return Outcome()
    if step is Step.DETACH_DISK:
        await vmm.call("detach_disk", lambda d: d.detach_disk(ctx, req.target_id))
        await _transfer(drivers, req, "epilog_detach")
        return Outcome()
    if step in (Step.ATTACH_NIC, Step.DETACH_NIC):
        await vmm.call(step.value, lambda d: getattr(d, step.value)(ctx, req.target_id))
        return Outcome()
    if step is Step.SNAPSHOT_CREATE:
        name = await vmm.call("snapshot_create", lambda d: d.snapshot_create(ctx, req.target_id))
        return Outcome(hypervisor_id=name)
    if step in (Step.SNAPSHOT_REVERT, Step.SNAPSHOT_DELETE):
        await vmm.call(step.value, lambda d: getattr(d, step.value)(ctx, req.hypervisor_id))
        return Outcome()
    if step is Step.DISK_RESIZE:
        # As one_vmm_exec's resize_disk: the TM grows the file, then the hypervisor the guest's disk.
        await _transfer(drivers, req, "resize")
        await vmm.call("resize_disk", lambda d: d.resize_disk(ctx, req.target_id))
        return Outcome()
    if step is Step.DISK_SNAPSHOT_LIVE:
        await vmm.call("disk_snapshot_create", lambda d: d.disk_snapshot_create(ctx, req.target_id,
                                                                               int(req.hypervisor_id)))
        return Outcome()
    if step in DISK_PHASES:
        await _transfer(drivers, req, DISK_PHASES[step])
        return Outcome()
    if step is Step.CLEANUP:
        # Best effort, as OpenNebula's: every part runs even if one fails.
        errors = []
        for part in (lambda: vmm.call("cleanup", lambda d: d.cleanup(ctx)),
                     lambda: _transfer(drivers, req, "epilog_delete"),
                     lambda: _network(drivers, req, "clean")):
            try:
                await part()
            except DriverError as exc:
                errors.append(str(exc))
        if errors:
            raise DriverError("; ".join(errors))
        return Outcome()
    raise DriverError(f"step {step.value} has no driver actions")
