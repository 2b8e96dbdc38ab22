"""Build the bundled guest from this machine's Debian packages.

``linux-image-cloud-amd64`` gives the kernel (``/boot/vmlinuz-*-cloud-amd64``)
and its modules, ``busybox-static`` the whole userland; ``init.sh`` (next to
this module) is the init. The result is two files in a directory: ``vmlinuz``
and ``initrd.img``, plus ``BUILD`` naming what they were made from, so a
second call with the same inputs does nothing.

``python -m oneedge.guest.build DIR`` builds into DIR and prints the paths.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from oneedge.guest import cpio, modules

#: The kernel command line of the bundled guest: console on the first serial port, and no
#: timer calibration (under software emulation on a busy host it can take minutes).
KERNEL_CMD = "console=ttyS0 quiet panic=-1 tsc=reliable no_timer_check lpj=4000000"
BUSYBOX = Path("/bin/busybox")
BOOT = Path("/boot")
MODULES = Path("/lib/modules")


class GuestBuildError(RuntimeError):
    """A package the guest is made of is missing; the message names it."""


@dataclass(frozen=True)
class Guest:
    kernel: Path
    initrd: Path
    #: The kernel release the initrd's modules belong to.
    release: str


def find_kernel(boot: Path = BOOT) -> tuple[Path, str]:
    """The newest cloud kernel image and its release (``6.1.0-26-cloud-amd64``)."""
    kernels = sorted(boot.glob("vmlinuz-*-cloud-amd64"), key=lambda p: [int(x) if x.isdigit() else x
                                                                          for x in p.name.replace("-", ".").split(".")])
    if not kernels:
        raise GuestBuildError(f"no cloud kernel in {boot}: install the Debian package linux-image-cloud-amd64")
    kernel = kernels[-1]
    return kernel, kernel.name.removeprefix("vmlinuz-")


def initramfs(init: bytes, busybox: bytes, release: str, module_dir: Path) -> bytes:
    """The initramfs: busybox, the init and the modules the guest loads (listed in /etc/modules)."""
    deps = modules.parse((module_dir / "modules.dep").read_text())
    order = modules.closure(deps, tuple(name for name in modules.WANTED if name not in modules.missing(deps)))
    entries = [cpio.Entry(d) for d in ("bin", "sbin", "etc", "dev", "proc", "sys", "tmp", "run", "root", "mnt",
                                       "lib", "lib/modules")]
    entries += [cpio.Entry("bin/busybox", 0o755, busybox), cpio.Entry("bin/sh", 0o777, link="busybox"),
                cpio.Entry("init", 0o755, init),
                cpio.Entry("etc/modules", 0o644, "".join(f"{path}\n" for path in order).encode())]
    made: set[str] = set()
    for path in order:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "lib/modules/" + "/".join(parts[:depth])
            if folder not in made:
                made.add(folder)
                entries.append(cpio.Entry(folder))
        entries.append(cpio.Entry(f"lib/modules/{path}", 0o644, (module_dir / path).read_bytes()))
    return cpio.archive(entries)


def build(target: Path, boot: Path = BOOT, busybox: Path = BUSYBOX, module_root: Path = MODULES) -> Guest:
    """Build (or keep, when up to date) ``target/vmlinuz`` and ``target/initrd.img``."""
    kernel, release = find_kernel(boot)
    if not busybox.exists():
        raise GuestBuildError(f"{busybox} not found: install the Debian package busybox-static")
    module_dir = module_root / release
    if not (module_dir / "modules.dep").exists():
        raise GuestBuildError(f"no modules for {release} in {module_root}: reinstall linux-image-{release}")
    init = resources.files("oneedge.guest").joinpath("init.sh").read_bytes()
    stamp = hashlib.sha256(b"\0".join([str(kernel).encode(), str(kernel.stat().st_mtime_ns).encode(), init,
                                       str(busybox.stat().st_mtime_ns).encode()])).hexdigest()
    guest = Guest(target / "vmlinuz", target / "initrd.img", release)
    build_file = target / "BUILD"
    if build_file.exists() and build_file.read_text().split()[:1] == [stamp] and guest.initrd.exists():
        return guest
    target.mkdir(parents=True, exist_ok=True)
    data = initramfs(init, busybox.read_bytes(), release, module_dir)
    for path, write in ((guest.kernel, lambda tmp: shutil.copyfile(kernel, tmp)),
                        (guest.initrd, lambda tmp: tmp.write_bytes(data))):
        tmp = path.with_name(path.name + ".tmp")
        write(tmp)
        os.replace(tmp, path)
    build_file.write_text(f"{stamp} {release}\n")
    return guest


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m oneedge.guest.build DIR", file=sys.stderr)
        return 2
    try:
        guest = build(Path(argv[0]))
    except GuestBuildError as exc:
        print(f"oneedge.guest.build: {exc}", file=sys.stderr)
        return 1
    print(guest.kernel)
    print(guest.initrd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
