"""A real OpenSSH server (Debian's openssh-server) for the host transport tests.

``Sshd`` runs ``/usr/sbin/sshd -D`` as root with a temporary config: its own
host key, an authorized_keys file, no PAM, no StrictModes, listening only on
the test's address. ``network_namespace()`` gives a test a host of its own:
a network namespace joined to this one by a veth pair with a private /30.
Both clean up after themselves, processes included, even when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"
_START_TIMEOUT = 10.0


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


@dataclass
class Sshd:
    """One sshd listening on ``address:port`` (inside ``netns`` when given)."""

    workdir: Path
    address: str
    port: int
    authorized_keys: list[str]
    netns: str | None = None
    max_sessions: int = 10
    #: A command sshd runs under (inside the namespace), ending with its argv: ``unshare ...``.
    wrapper: tuple[str, ...] = ()
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def host_key(self) -> Path:
        return self.workdir / "ssh_host_ed25519_key"

    @property
    def log(self) -> Path:
        return self.workdir / "sshd.log"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        # sshd refuses to start without its privilege separation directory.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        if not self.host_key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.host_key)], check=True)
        (self.workdir / "authorized_keys").write_text("".join(k.strip() + "\n" for k in self.authorized_keys))
        config = self.workdir / "sshd_config"
        config.write_text(self._config())
        offset = self.log.stat().st_size if self.log.exists() else 0
        argv = [*self.wrapper, SSHD, "-D", "-f", str(config), "-E", str(self.log)]
        if self.netns is not None:
            argv = ["ip", "netns", "exec", self.netns, *argv]
        self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_listening(offset)

    def _config(self) -> str:
        return "\n".join([
            f"ListenAddress {self.address}:{self.port}",
            f"HostKey {self.host_key}",
            "PidFile none",
            f"AuthorizedKeysFile {self.workdir / 'authorized_keys'}",
            "UsePAM no",
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            f"MaxSessions {self.max_sessions}",
            "MaxStartups 100",
            "Subsystem sftp internal-sftp",
            "LogLevel INFO",
            "",
        ])

    def _wait_listening(self, offset: int) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"sshd exited with {self._proc.returncode}: {self.log_text(offset)}")
            if "Server listening on" in self.log_text(offset):
                return
            time.sleep(0.01)
        raise RuntimeError(f"sshd not listening after {_START_TIMEOUT} s: {self.log_text(offset)}")

    def log_text(self, offset: int = 0) -> str:
        if not self.log.exists():
            return ""
        with self.log.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")

    def logins(self) -> int:
        """How many connections this server accepted (publickey logins) since its first start."""
        return self.log_text().count("Accepted publickey")

    def stop(self) -> None:
        """Kill the listener, every connection it served and what those ran."""
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        for pid in [proc.pid, *_descendants(proc.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()

    def restart(self, new_host_key: bool = False) -> None:
        """Stop (dropping every connection) and start again on the same address and port."""
        self.stop()
        if new_host_key:
            self.host_key.unlink()
            self.host_key.with_name(self.host_key.name + ".pub").unlink()
        self.start()


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def process_gone(pid: int) -> bool:
    """Whether a process has ended (a zombie waiting for its reaper counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


@contextlib.contextmanager
def running_sshd(workdir: Path, address: str, authorized_keys: list[str], *, port: int | None = None,
                 netns: str | None = None, max_sessions: int = 10, wrapper: tuple[str, ...] = ()
                 ) -> Iterator[Sshd]:
    """An sshd started for the block and stopped after it, whatever happens."""
    server = Sshd(workdir, address, port if port is not None else free_port(address), authorized_keys,
                  netns=netns, max_sessions=max_sessions, wrapper=wrapper)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Namespace:
    """A network namespace linked to this one by a veth pair on a /30."""

    name: str
    host_if: str
    host_address: str
    address: str


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@contextlib.contextmanager
def network_namespace(subnet: int) -> Iterator[Namespace]:
    """``10.200.<subnet>.0/30``: .1 on this side, .2 inside a new namespace; removed after the block."""
    if not 0 <= subnet <= 255:
        raise ValueError(f"subnet must be 0-255: {subnet}")
    tag = f"{os.getpid() % 100000}{subnet}"
    ns = Namespace(f"oneedge-t{tag}", f"oev{tag}a", f"10.200.{subnet}.1", f"10.200.{subnet}.2")
    inner_if = f"oev{tag}b"
    try:
        _ip("netns", "add", ns.name)
        _ip("link", "add", ns.host_if, "type", "veth", "peer", "name", inner_if)
        _ip("link", "set", inner_if, "netns", ns.name)
        _ip("addr", "add", f"{ns.host_address}/30", "dev", ns.host_if)
        _ip("link", "set", ns.host_if, "up")
        _ip("-n", ns.name, "addr", "add", f"{ns.address}/30", "dev", inner_if)
        _ip("-n", ns.name, "link", "set", inner_if, "up")
        _ip("-n", ns.name, "link", "set", "lo", "up")
        yield ns
    finally:
        pids = subprocess.run(["ip", "netns", "pids", ns.name], capture_output=True, text=True).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        subprocess.run(["ip", "link", "del", ns.host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns.name], capture_output=True)
