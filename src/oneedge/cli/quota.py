"""The VMS, MEMORY and CPU usage columns of ``oneuser list`` and ``onegroup list``.

Their values come from the pool's ``QUOTAS`` entries (matched by ID) and
the pool's default quotas, so rows are :class:`QuotaRow`s, not bare elements.
"""

from __future__ import annotations

from oneedge.cli.fmt import unit
from oneedge.cli.table import Column

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from collections.abc import Iterator
    from oneedge.cli.xmldoc import Node as Element

DEFAULT, UNLIMITED = "-1", "-2"


class QuotaRow:
    """A pool element with its VM quota (``el``, ``vm``) and the pool's default VM quota."""

    __slots__ = ("el", "vm", "defaults")

    def __init__(self, el: Element, vm: Element | None, defaults: Element | None) -> None:
        self.el = el
        self.vm = vm
        self.defaults = defaults

    def limit(self, name: str) -> str:
        value = self.vm.findtext(name, DEFAULT) if self.vm is not None else DEFAULT
        if value == DEFAULT:
            value = (self.defaults.findtext(name, "") if self.defaults is not None else "") or UNLIMITED
        return value

    def used(self, name: str) -> str:
        return (self.vm.findtext(f"{name}_USED", "0") if self.vm is not None else "0") or "0"


def rows(root: Element, element: str, defaults_path: str) -> Iterator[QuotaRow]:
    """The pool's ``element``s, each with its quota from ``root/QUOTAS``."""
    quotas = {q.findtext("ID", ""): q.find("VM_QUOTA/VM") for q in root.iterfind("QUOTAS")}
    defaults = root.find(defaults_path)
    for el in root.iterfind(element):
        yield QuotaRow(el, quotas.get(el.findtext("ID", "")), defaults)


def _vms(r: QuotaRow) -> str:
    used, limit = int(float(r.used("VMS"))), r.limit("VMS")
    return f"{used:3d} /   -" if limit == UNLIMITED else f"{used:3d} / {int(float(limit)):3d}"


def _memory(r: QuotaRow) -> str:
    used, limit = unit(float(r.used("MEMORY")), "M"), r.limit("MEMORY")
    return f"{used:>7} /       -" if limit == UNLIMITED else f"{used:>7} / {unit(float(limit), 'M'):>7}"


def _cpu(r: QuotaRow) -> str:
    used, limit = float(r.used("CPU")), r.limit("CPU")
    return f"{used:3.1f} /   -" if limit == UNLIMITED else f"{used:3.1f} / {float(limit):3.1f}"


def columns(vms: int, memory: int, cpu: int) -> list[Column]:
    return [
        Column("VMS", "Number of VMS", vms, _vms),
        Column("MEMORY", "Total memory allocated to user VMs", memory, _memory),
        Column("CPU", "Total CPU allocated to user VMs", cpu, _cpu),
    ]
