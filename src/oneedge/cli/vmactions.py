"""VM actions: the calls OpenNebula's ``onevm`` makes (``one.vm.action``, ``deploy``,
``migrate``, ``recover``, ``attach``...), and ``--wait`` for the state they lead to."""

from __future__ import annotations

from oneedge.cli.command import Arg, Verb
from oneedge.cli.errors import ApiError, CliError
from oneedge.cli.verbs import for_each

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from oneedge.cli.command import Context
    from oneedge.cli.kind import Kind

NO_EXISTS = 0x400
RANGE = Arg("ids", metavar="RANGE", help="VM IDs, names, lists and ranges: 3..7,9,web")
WAIT = (Arg("-w", "--wait", action="store_true", help="wait until the VMs reach the state the action leads to"),
        Arg("--timeout", type=float, default=600.0, metavar="SECONDS", help="give up waiting after this (default 600)"))


def _reached(target: str, state: str, lcm: str) -> bool:
    """RUNNING is ACTIVE with the LCM state RUNNING; any other target is a VM state."""
    from oneedge.cli import states

    if target == "RUNNING":
        return state == "3" and lcm == "3"
    return state == str(states.vm_index(target))


def wait_for(ctx: Context, kind: Kind, oid: int, target: str, timeout: float) -> None:
    """Poll ``one.vm.info`` until the VM reaches ``target`` (DONE also when it is gone);
    a failure state ends the wait with an error. A progress line on a terminal's
    stderr, silence otherwise."""
    import sys
    import time

    from oneedge.cli import states
    from oneedge.cli.progress import Progress

    deadline = time.monotonic() + timeout
    delay = 0.05
    with Progress(sys.stderr, f"VM {oid}: waiting for {target}") as progress:
        while True:
            try:
                vm = kind.fetch(ctx, oid)
            except ApiError as exc:
                if target == "DONE" and exc.code == NO_EXISTS:
                    return
                raise
            state, lcm = vm.findtext("STATE", ""), vm.findtext("LCM_STATE", "")
            if _reached(target, state, lcm):
                return
            now = states.name(states.LCM, lcm) if state == "3" else states.name(states.VM, state)
            failed = state == "7" or states.vm_short(state, lcm) == "fail"
            if failed or time.monotonic() > deadline:
                raise CliError(f"VM {oid}: is {now}, not {target}" + ("" if failed else f" after {timeout:g} s"))
            progress.tick(now)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def action(kind: Kind, name: str, summary: str, args: Sequence[Arg], wait: str | None) -> Verb:
    """``onevm <name> RANGE [--hard] [--wait]``: ``one.vm.action("<name>[-hard]", id)``."""
    def run(ctx: Context, a: argparse.Namespace) -> int:
        verb = f"{name}-hard" if getattr(a, "hard", False) else name

        def act(oid: int) -> None:
            ctx.call(kind.method("action"), verb, oid)
            if wait and a.wait:
                wait_for(ctx, kind, oid, wait, a.timeout)

        return for_each(ctx, kind, a.ids, act, verb)

    return Verb(name, summary, run, (RANGE, *args), (f"onevm {name} 3", f"onevm {name} 3..7,9"))


def _host_id(ctx: Context, spec: str) -> int:
    from oneedge.cli.onehost import HOST

    return HOST.to_id(ctx, spec)


def _ds_id(ctx: Context, spec: str | None) -> int:
    if spec is None:
        return -1
    from oneedge.cli.onedatastore import DATASTORE

    return DATASTORE.to_id(ctx, spec)


def deploy(kind: Kind) -> Verb:
    def run(ctx: Context, a: argparse.Namespace) -> int:
        hid, ds = _host_id(ctx, a.host), _ds_id(ctx, a.datastore)

        def act(oid: int) -> None:
            ctx.call(kind.method("deploy"), oid, hid, a.enforce, ds, "")
            if a.wait:
                wait_for(ctx, kind, oid, "RUNNING", a.timeout)

        return for_each(ctx, kind, a.ids, act, "deploying")

    return Verb("deploy", "Deploys pending or held VMs on a host", run, (
        RANGE, Arg("host", help="host name or ID"), Arg("datastore", nargs="?", help="system datastore name or ID"),
        Arg("-e", "--enforce", action="store_true", help="enforce the host's capacity"), *WAIT),
        ("onevm deploy 3 node1", "onevm deploy 3..5 node1 system --wait"))


def migrate(kind: Kind) -> Verb:
    def run(ctx: Context, a: argparse.Namespace) -> int:
        hid, ds = _host_id(ctx, a.host), _ds_id(ctx, a.datastore)
        mtype = 2 if a.poweroff_hard else 1 if a.poweroff else 0
        return for_each(ctx, kind, a.ids, lambda oid: ctx.call(kind.method("migrate"), oid, hid, a.live, a.enforce,
                                                               ds, mtype), "migrating")

    return Verb("migrate", "Migrates VMs to another host", run, (
        RANGE, Arg("host", help="host name or ID"), Arg("datastore", nargs="?", help="system datastore name or ID"),
        Arg("--live", action="store_true", help="migrate running VMs without downtime"),
        Arg("-e", "--enforce", action="store_true", help="enforce the host's capacity"),
        Arg("--poweroff", action="store_true", help="power the VM off, then migrate it"),
        Arg("--poweroff-hard", action="store_true", help="power the VM off hard, then migrate it")),
        ("onevm migrate 3 node2 --live",))


RECOVER = (("--success", 1), ("--failure", 0), ("--retry", 2), ("--delete", 3), ("--recreate", 4),
           ("--delete-db", 5))


def recover(kind: Kind) -> Verb:
    def run(ctx: Context, a: argparse.Namespace) -> int:
        if a.result is None:
            raise CliError("onevm recover: one of " + ", ".join(f for f, _ in RECOVER) + " is needed", 2)
        return for_each(ctx, kind, a.ids, lambda oid: ctx.call(kind.method("recover"), oid, a.result), "recovered")

    flags = [Arg(flag, dest="result", action="store_const", const=n, help=f"recover with {flag[2:]}")
             for flag, n in RECOVER]
    return Verb("recover", "Recovers stuck VMs (success, failure, retry, delete, recreate)", run,
                (RANGE, *flags), ("onevm recover 3 --success", "onevm recover 3 --delete"))


def _one(kind: Kind, name: str, summary: str, method: str, params: Sequence[Arg],
         build: object, examples: Sequence[str]) -> Verb:
    def run(ctx: Context, a: argparse.Namespace) -> None:
        ctx.call(kind.method(method), kind.to_id(ctx, a.id), *build(ctx, a))  # type: ignore[operator]

    return Verb(name, summary, run, (Arg("id", metavar="VMID", help="VM name or ID"), *params), examples)


def _disk(ctx: Context, a: argparse.Namespace) -> tuple[str]:
    from oneedge.cli.options import template_input

    if a.file:
        return (template_input(a.file, "DISK"),)
    if not a.image:
        raise CliError("onevm disk-attach: --image or --file is needed", 2)
    ref = f"IMAGE_ID={a.image}" if a.image.isdigit() else f'IMAGE="{a.image}"'
    extra = "".join(f', {k}="{v}"' for k, v in (("TARGET", a.target), ("DEV_PREFIX", a.prefix), ("CACHE", a.cache)) if v)
    return (f"DISK=[{ref}{extra}]",)


def _nic(ctx: Context, a: argparse.Namespace) -> tuple[str]:
    from oneedge.cli.options import template_input

    if a.file:
        return (template_input(a.file, "NIC"),)
    if not a.network:
        raise CliError("onevm nic-attach: --network or --file is needed", 2)
    ref = f"NETWORK_ID={a.network}" if a.network.isdigit() else f'NETWORK="{a.network}"'
    extra = f', IP="{a.ip}"' if a.ip else ""
    return (f"NIC=[{ref}{extra}]",)


def attach_verbs(kind: Kind) -> list[Verb]:
    file = Arg("--file", help="template file with the DISK or NIC")
    return [
        _one(kind, "disk-attach", "Attaches a disk to a VM", "attach",
             (Arg("--image", help="image name or ID"), Arg("--target"), Arg("--prefix", help="device prefix: vd, sd, hd"),
              Arg("--cache"), file), _disk, ("onevm disk-attach 3 --image data",)),
        _one(kind, "disk-detach", "Detaches a disk from a VM", "detach", (Arg("disk", type=int, metavar="DISKID"),),
             lambda c, a: (a.disk,), ("onevm disk-detach 3 1",)),
        _one(kind, "nic-attach", "Attaches a NIC to a VM", "attachnic",
             (Arg("--network", help="virtual network name or ID"), Arg("--ip", help="IP to ask for"), file), _nic,
             ("onevm nic-attach 3 --network private",)),
        _one(kind, "nic-detach", "Detaches a NIC from a VM", "detachnic", (Arg("nic", type=int, metavar="NICID"),),
             lambda c, a: (a.nic,), ("onevm nic-detach 3 1",)),
    ]


def _capacity(ctx: Context, a: argparse.Namespace) -> tuple[str, bool]:
    from oneedge.cli.fmt import size_mb

    lines = []
    if a.cpu is not None:
        lines.append(f"CPU={a.cpu:g}")
    if a.vcpu is not None:
        lines.append(f"VCPU={a.vcpu}")
    if a.memory is not None:
        try:
            lines.append(f"MEMORY={size_mb(a.memory)}")
        except ValueError as exc:
            raise CliError(f"--memory: {exc}", 2) from None
    if not lines:
        raise CliError("onevm resize: give --cpu, --vcpu or --memory", 2)
    return "\n".join(lines), a.enforce


def resize(kind: Kind) -> Verb:
    return _one(kind, "resize", "Changes the capacity (CPU, VCPU, memory) of a VM", "resize",
                (Arg("--cpu", type=float), Arg("--vcpu", type=int), Arg("--memory", metavar="SIZE"),
                 Arg("-e", "--enforce", action="store_true", help="enforce the host's capacity")),
                _capacity, ("onevm resize 3 --cpu 2 --memory 4G",))


def snapshot_verbs(kind: Kind) -> list[Verb]:
    def create(ctx: Context, a: argparse.Namespace) -> int:
        return for_each(ctx, kind, a.ids, lambda oid: ctx.call(kind.method("snapshotcreate"), oid, a.name or ""),
                        "snapshot created")

    snap = (Arg("snapshot", type=int, metavar="SNAPSHOTID"),)
    return [
        Verb("snapshot-create", "Takes a snapshot of VMs", create, (RANGE, Arg("name", nargs="?")),
             ("onevm snapshot-create 3 before-upgrade",)),
        _one(kind, "snapshot-revert", "Reverts a VM to a snapshot", "snapshotrevert", snap,
             lambda c, a: (a.snapshot,), ("onevm snapshot-revert 3 0",)),
        _one(kind, "snapshot-delete", "Deletes a VM snapshot", "snapshotdelete", snap,
             lambda c, a: (a.snapshot,), ("onevm snapshot-delete 3 0",)),
    ]


def disk_verbs(kind: Kind) -> list[Verb]:
    """``disk-resize``, ``disk-saveas`` and ``disk-snapshot-*``: one VM, one of its disks."""
    from oneedge.cli.fmt import size_mb

    def new_size(ctx: Context, a: argparse.Namespace) -> tuple[int, str]:
        try:
            return a.disk, str(size_mb(a.size))
        except ValueError as exc:
            raise CliError(f"onevm disk-resize: {exc}", 2) from None

    def saveas(ctx: Context, a: argparse.Namespace) -> None:
        image = ctx.call(kind.method("disksaveas"), kind.to_id(ctx, a.id), a.disk, a.name, a.type or "",
                         a.snapshot)
        ctx.echo(f"Image ID: {image}")

    disk = Arg("disk", type=int, metavar="DISKID")
    snap = Arg("snapshot", type=int, metavar="SNAPSHOTID")
    vm = Arg("id", metavar="VMID", help="VM name or ID")
    return [
        _one(kind, "disk-resize", "Grows a disk of a VM", "diskresize", (disk, Arg("size", metavar="SIZE")),
             new_size, ("onevm disk-resize 3 0 20G",)),
        Verb("disk-saveas", "Saves a disk of a VM (or one of its snapshots) as a new image", saveas,
             (vm, disk, Arg("name", metavar="IMAGE_NAME"), Arg("--type", help="type of the new image"),
              Arg("--snapshot", type=int, default=-1, metavar="SNAPSHOTID", help="save this disk snapshot")),
             ("onevm disk-saveas 3 0 backup-disk", "onevm disk-saveas 3 0 old-state --snapshot 1")),
        _one(kind, "disk-snapshot-create", "Takes a snapshot of a VM disk", "disksnapshotcreate",
             (disk, Arg("name", metavar="NAME")), lambda c, a: (a.disk, a.name),
             ("onevm disk-snapshot-create 3 0 before-upgrade",)),
        _one(kind, "disk-snapshot-revert", "Reverts a VM disk to a snapshot", "disksnapshotrevert", (disk, snap),
             lambda c, a: (a.disk, a.snapshot), ("onevm disk-snapshot-revert 3 0 1",)),
        _one(kind, "disk-snapshot-delete", "Deletes a VM disk snapshot", "disksnapshotdelete", (disk, snap),
             lambda c, a: (a.disk, a.snapshot), ("onevm disk-snapshot-delete 3 0 1",)),
        _one(kind, "disk-snapshot-rename", "Renames a VM disk snapshot", "disksnapshotrename",
             (disk, snap, Arg("name", metavar="NAME")), lambda c, a: (a.disk, a.snapshot, a.name),
             ("onevm disk-snapshot-rename 3 0 1 stable",)),
    ]
