"""Which kernel modules the guest loads, in dependency order, from the kernel's ``modules.dep``.

Pure: the text of ``modules.dep`` in, relative module paths out.
"""

from __future__ import annotations

#: What the bundled guest needs: virtio disks and NICs (PCI and MMIO), the IDE
#: CD-ROM holding the context, ISO 9660, and the ACPI power button (graceful shutdown).
WANTED = ("virtio_pci", "virtio_mmio", "virtio_blk", "virtio_net", "virtio_scsi", "sd_mod", "ata_piix",
          "sr_mod", "isofs", "button", "evdev")


def parse(text: str) -> dict[str, list[str]]:
    """``modules.dep``: module path -> the paths it depends on."""
    deps: dict[str, list[str]] = {}
    for line in text.splitlines():
        module, sep, rest = line.partition(":")
        if sep:
            deps[module.strip()] = rest.split()
    return deps


def name_of(path: str) -> str:
    return path.rsplit("/", 1)[-1].split(".ko", 1)[0].replace("-", "_")


def closure(deps: dict[str, list[str]], wanted: tuple[str, ...] = WANTED) -> list[str]:
    """The module paths to load, each after the modules it depends on; unknown names raise KeyError.

    A name missing from ``modules.dep`` may be built into the kernel: callers
    pass only names they know are modules (``missing`` tells them which are not).
    """
    by_name = {name_of(path): path for path in deps}
    order: list[str] = []

    def visit(path: str) -> None:
        if path in order:
            return
        for dependency in deps[path]:
            visit(dependency)
        order.append(path)

    for name in wanted:
        visit(by_name[name])
    return order


def missing(deps: dict[str, list[str]], wanted: tuple[str, ...] = WANTED) -> list[str]:
    """The wanted names that are not modules of this kernel (built in, or absent)."""
    names = {name_of(path) for path in deps}
    return [name for name in wanted if name not in names]
