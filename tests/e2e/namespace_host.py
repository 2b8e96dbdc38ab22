"""A second kvm host for the end-to-end tests: a network namespace reached over SSH whose files
are its own.

Its sshd runs in a private mount namespace (``unshare --mount --propagation
private`` inside ``ip netns exec``) where directories of the test are
bind-mounted over the front-end's system datastore and over /var/tmp (its
remotes, /var/tmp/one, which a sync replaces whole, and the monitor agents'
state, /var/tmp/one-monitor):
what the host's drivers write there lands in the test's directories, so the
``ssh`` TM really copies VM directories between two hosts. Everything the
host runs lives in the namespace and dies with it; the mounts go with the
last of those processes.
"""

from __future__ import annotations

import contextlib
import random
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from oneedge.drivers.transport_keys import front_end_key
from support.sshd import Namespace, network_namespace, running_sshd

#: Where a host keeps its remotes and its monitor agent's state, apart from the front-end's.
HOST_TMP = "/var/tmp"


@dataclass(frozen=True)
class NamespaceHost:
    ns: Namespace
    #: Where this test sees the host's own system datastore directory and /var/tmp.
    ds_view: Path
    tmp_view: Path

    @property
    def name(self) -> str:
        return self.ns.address

    def links(self) -> list[str]:
        done = subprocess.run(["ip", "-n", self.ns.name, "-o", "link", "show"], capture_output=True, text=True,
                              check=True)
        return [line.split(":")[1].strip().split("@")[0] for line in done.stdout.splitlines()]


def private_mounts(mounts: dict[str, Path]) -> tuple[str, ...]:
    """A command prefix running its argv in a new mount namespace with ``mounts`` (target ->
    source) bind-mounted."""
    binds = " && ".join(f"mount --bind {shlex.quote(str(source))} {shlex.quote(target)}"
                        for target, source in mounts.items())
    return ("unshare", "--mount", "--propagation", "private", "sh", "-c", f'{binds} && exec "$@"', "sh")


@contextlib.contextmanager
def namespace_host(home: Path, ds_dir: Path, workdir: Path) -> Iterator[NamespaceHost]:
    """A host at 10.200.<n>.2 taking the front-end's (``home``) key, with its own ``ds_dir``."""
    mounts = {str(ds_dir): workdir / "datastore"}
    mounts[HOST_TMP] = workdir / "var-tmp"
    for target, source in mounts.items():
        Path(target).mkdir(parents=True, exist_ok=True)
        source.mkdir(parents=True, mode=0o1777 if target == HOST_TMP else 0o777)
    key = front_end_key(home).export_public_key().decode()
    with network_namespace(random.randint(100, 250)) as ns:
        with running_sshd(workdir / "sshd", ns.address, [key], port=22, netns=ns.name,
                          wrapper=private_mounts(mounts)):
            yield NamespaceHost(ns, mounts[str(ds_dir)], mounts[HOST_TMP])
