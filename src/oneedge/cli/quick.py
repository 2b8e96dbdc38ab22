"""VM templates from quick options (``--cpu 1 --memory 1G --disk img --nic net``),
for ``onevm create`` and ``onetemplate create`` without a template file."""

from __future__ import annotations

from oneedge.cli.command import Arg
from oneedge.cli.errors import CliError

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse

OPTIONS = (
    Arg("--name", help="name of the new object"),
    Arg("--cpu", type=float, help="CPU share (1 is one physical CPU)"),
    Arg("--vcpu", type=int, help="virtual CPUs"),
    Arg("--memory", metavar="SIZE", help="memory: 512, 512M, 2G..."),
    Arg("--disk", metavar="IMG1,IMG2", help="images (names or IDs) to attach as disks"),
    Arg("--nic", metavar="NET1,NET2", help="virtual networks (names or IDs) to attach NICs to"),
    Arg("--arch", help="architecture, such as x86_64"),
)


def used(args: argparse.Namespace) -> bool:
    return any(getattr(args, a.flags[0][2:]) is not None for a in OPTIONS)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _refs(spec: str, by_id: str, by_name: str) -> list[str]:
    out = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            raise CliError(f"Empty name in {spec!r}", 2)
        out.append(f"{by_id}={item}" if item.isdigit() else f"{by_name}={_quote(item)}")
    return out


def template(args: argparse.Namespace, base: str = "") -> str:
    """``base`` followed by the attributes the quick options give (a template file may come first)."""
    from oneedge.cli.fmt import size_mb

    lines = [base.rstrip()] if base.strip() else []
    if args.name:
        lines.append(f"NAME={_quote(args.name)}")
    if args.cpu is not None:
        lines.append(f"CPU={args.cpu:g}")
    if args.vcpu is not None:
        lines.append(f"VCPU={args.vcpu}")
    if args.memory is not None:
        try:
            lines.append(f"MEMORY={size_mb(args.memory)}")
        except ValueError as exc:
            raise CliError(f"--memory: {exc}", 2) from None
    if args.arch:
        lines.append(f"OS=[ARCH={_quote(args.arch)}]")
    for ref in _refs(args.disk, "IMAGE_ID", "IMAGE") if args.disk else ():
        lines.append(f"DISK=[{ref}]")
    for ref in _refs(args.nic, "NETWORK_ID", "NETWORK") if args.nic else ():
        lines.append(f"NIC=[{ref}]")
    return "\n".join(lines) + "\n"
