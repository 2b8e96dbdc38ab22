"""SSHTransport against a real sshd: connection reuse, channel bound, reconnection, clear errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from oneedge.drivers.transport import (
    AuthenticationFailed,
    HostKeyError,
    HostUnreachable,
    Remotes,
    Result,
    TransportError,
)
from oneedge.drivers.transport_keys import HostKeyPolicy, front_end_key
from oneedge.drivers.transport_ssh import SSHTransport
from support.sshd import Sshd, free_port, running_sshd


def public_key(home: Path) -> str:
    return front_end_key(home).export_public_key().decode()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "frontend"


@pytest.fixture
def sshd(tmp_path: Path, home: Path) -> Iterator[Sshd]:
    with running_sshd(tmp_path / "sshd", "127.0.0.1", [public_key(home)], max_sessions=4) as server:
        yield server


def transport(home: Path, port: int, *, max_channels: int = 9,
              policy: HostKeyPolicy = HostKeyPolicy.ACCEPT_NEW) -> SSHTransport:
    remotes = Remotes(home.parent / "remotes", PurePosixPath(home.parent / "var" / "one"))
    return SSHTransport("127.0.0.1", remotes, home=home, user="root", port=port, policy=policy,
                        max_channels=max_channels)


def run_once(home: Path, port: int, policy: HostKeyPolicy = HostKeyPolicy.ACCEPT_NEW) -> Result:
    """``true`` on a new transport, closed after."""
    async def body() -> Result:
        t = transport(home, port, policy=policy)
        try:
            return await t.run(["true"], timeout=10)
        finally:
            await t.close()

    return asyncio.run(body())


async def wait_for_file(path: Path) -> str:
    """The content of a file a remote command writes, once written."""
    deadline = time.monotonic() + 5
    while not path.exists() or not path.read_text().endswith("\n"):
        assert time.monotonic() < deadline, f"{path} never written"
        await asyncio.sleep(0.02)
    return path.read_text()


def test_front_end_key_is_created_once_private(home: Path) -> None:
    first = public_key(home)
    assert (home / ".ssh" / "id_ed25519").stat().st_mode & 0o777 == 0o600
    assert (home / ".ssh" / "id_ed25519.pub").read_text() == first
    assert public_key(home) == first


def test_one_connection_carries_concurrent_commands_within_the_channel_bound(sshd: Sshd, home: Path) -> None:
    # sshd allows 4 sessions per connection; 20 commands at once must queue, not fail.
    async def body() -> list[Result]:
        t = transport(home, sshd.port, max_channels=3)
        try:
            return await asyncio.gather(*(t.run(["sh", "-c", "sleep 0.1; echo $1", "sh"], [str(i)], timeout=20)
                                          for i in range(20)))
        finally:
            await t.close()

    results = asyncio.run(body())
    assert [r.stdout for r in results] == [f"{i}\n".encode() for i in range(20)]
    assert sshd.logins() == 1


def test_without_the_bound_sshd_refuses_channels_and_the_others_go_on(sshd: Sshd, home: Path) -> None:
    # The counter-test: the bound above is what makes those 20 commands pass.
    async def body() -> list[Result | BaseException]:
        t = transport(home, sshd.port, max_channels=20)
        try:
            return await asyncio.gather(*(t.run(["sleep", "0.5"], timeout=20) for _ in range(20)),
                                        return_exceptions=True)
        finally:
            await t.close()

    outcomes = asyncio.run(body())
    refused = [o for o in outcomes if isinstance(o, TransportError)]
    assert refused and all("channel refused" in str(o) for o in refused), outcomes
    assert all(isinstance(o, Result) and o.ok for o in outcomes if o not in refused), outcomes
    assert sshd.logins() == 1


def test_reconnects_after_sshd_restarts(sshd: Sshd, home: Path) -> None:
    async def body() -> tuple[Result, Result]:
        t = transport(home, sshd.port)
        try:
            before = await t.run(["echo", "before"], timeout=10)
            await asyncio.to_thread(sshd.restart)  # drops the connection, as a host reboot would
            after = await t.run(["echo", "after"], timeout=10)
            return before, after
        finally:
            await t.close()

    before, after = asyncio.run(body())
    assert (before.stdout, after.stdout) == (b"before\n", b"after\n")
    assert sshd.logins() == 2


def test_a_connection_lost_mid_command_is_reported(sshd: Sshd, home: Path) -> None:
    started = home.parent / "started"

    async def body() -> None:
        t = transport(home, sshd.port)
        try:
            running = asyncio.create_task(t.run(["sh", "-c", f"echo up > {started}; sleep 30"], timeout=20))
            await wait_for_file(started)
            await asyncio.to_thread(sshd.stop)
            with pytest.raises(HostUnreachable, match="connection lost"):
                await running
        finally:
            await t.close()

    asyncio.run(body())


def test_closed_port_is_unreachable(home: Path) -> None:
    port = free_port()
    with pytest.raises(HostUnreachable, match=f"root@127.0.0.1:{port}: cannot connect: .*[Rr]efused"):
        run_once(home, port)


def test_a_key_the_host_does_not_know_fails_authentication(sshd: Sshd, tmp_path: Path) -> None:
    stranger = tmp_path / "other-frontend"
    with pytest.raises(AuthenticationFailed, match="authentication failed for the front-end key"):
        run_once(stranger, sshd.port)


def test_first_contact_records_the_host_key(sshd: Sshd, home: Path) -> None:
    run_once(home, sshd.port)
    host_key = sshd.host_key.with_name(sshd.host_key.name + ".pub").read_text().split()[:2]
    line = (home / ".ssh" / "known_hosts").read_text().split()
    assert line[0] == f"[127.0.0.1]:{sshd.port}" and line[1:3] == host_key


def test_a_changed_host_key_is_refused(sshd: Sshd, home: Path) -> None:
    assert run_once(home, sshd.port).ok
    sshd.restart(new_host_key=True)
    with pytest.raises(HostKeyError, match="host key does not match the key recorded in"):
        run_once(home, sshd.port)
    assert sshd.logins() == 1


def test_strict_policy_refuses_an_unknown_host(sshd: Sshd, home: Path) -> None:
    with pytest.raises(HostKeyError, match="host key is not recorded in"):
        run_once(home, sshd.port, HostKeyPolicy.YES)
    assert not (home / ".ssh" / "known_hosts").exists()


def test_no_policy_accepts_any_key_and_records_nothing(sshd: Sshd, home: Path) -> None:
    assert run_once(home, sshd.port, HostKeyPolicy.NO).ok
    sshd.restart(new_host_key=True)
    assert run_once(home, sshd.port, HostKeyPolicy.NO).ok
    assert not (home / ".ssh" / "known_hosts").exists()
