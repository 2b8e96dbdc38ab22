"""Bad agent input: every kind is dropped and counted by reason, nothing is written, nothing raises.

Messages are built with the agent's own library (remotes/im/lib), sealed
by its pure-Python implementation and opened by the daemon's
``cryptography``-based keyring, so these tests also check the two agree.
"""

from __future__ import annotations

import base64
import sys
import time
import zlib
from pathlib import Path

import pytest

from oneedge.monitor import crypto
from oneedge.monitor.hosts import HostEntry, HostTable
from oneedge.monitor.link import LinkType
from oneedge.monitor.protocol import DropReason, MessageType
from oneedge.monitor.receiver import Receiver
from oneedge.pool.host import HostState

LIB = Path(__file__).resolve().parents[2] / "src" / "oneedge" / "remotes" / "im" / "lib"
sys.path.insert(0, str(LIB))

import message as agent_message  # noqa: E402
import seal  # noqa: E402

A, B = "10.9.0.1", "10.9.0.2"


class Sink:
    def __init__(self) -> None:
        self.writes: list[tuple] = []

    def host_record(self, host_id, ts, record, values) -> None:
        self.writes.append(("host", host_id, ts, record))

    def vm_record(self, host_id, vm_id, ts, record, values) -> None:
        self.writes.append(("vm", vm_id, ts, record))

    def to_core(self, kind: LinkType, oid: int, data: str) -> None:
        self.writes.append(("core", kind, oid, data))

    def host_alive(self, host) -> None:
        pass

    def host_failed(self, host, reason) -> None:
        self.writes.append(("failed", host.oid, reason))


@pytest.fixture
def setup(tmp_path: Path):
    crypto.generate_keys(tmp_path / "key", tmp_path / "key.pub")
    hosts = HostTable()
    for oid, address in ((0, A), (1, B)):
        hosts.put(HostEntry(oid, f"h{oid}", HostState.MONITORED, "kvm", frozenset({address})))
    keyring = crypto.Keyring.load(tmp_path / "key", lambda oid: oid in hosts.hosts)
    sink = Sink()
    receiver = Receiver(hosts, keyring, sink, max_line=64 << 10, max_data=1 << 20)
    public = seal.load_public_pem((tmp_path / "key.pub").read_text())
    sealers = {oid: seal.Sealer(public, keyring.host_secret(oid)) for oid in (0, 1)}
    return receiver, sink, sealers, public


def line(kind: str, host: int, data: str, sealer, ts: int | None = None) -> bytes:
    return agent_message.encode(kind, "SUCCESS", host, ts or int(time.time()), data, sealer)


def test_valid_sealed_message_is_recorded(setup) -> None:
    receiver, sink, sealers, _ = setup
    receiver.handle(line("MONITOR_HOST", 0, "USEDCPU=10\nFREECPU=90\nNETRX=5\n", sealers[0]), A)
    assert receiver.dropped == {}
    assert receiver.received[MessageType.MONITOR_HOST] == 1
    (kind, host_id, _, record), = sink.writes
    assert (kind, host_id) == ("host", 0) and "<USED_CPU>10</USED_CPU>" in record


@pytest.mark.parametrize("reason, make, source", [
    (DropReason.TRUNCATED, lambda s: b"MONITOR_HOST SUCCESS\n", A),
    (DropReason.UNKNOWN_TYPE, lambda s: b"REBOOT_HOST SUCCESS 0 1 AAAA\n", A),
    (DropReason.BAD_HEADER, lambda s: b"MONITOR_HOST SUCCESS zero 1 AAAA\n", A),
    (DropReason.BAD_BASE64, lambda s: b"MONITOR_HOST SUCCESS 0 %d !!notbase64!!\n" % time.time(), A),
    (DropReason.NOT_SEALED, lambda s: line("MONITOR_HOST", 0, "USEDCPU=1", None), A),
    (DropReason.DECRYPT, lambda s: line("MONITOR_HOST", 0, "USEDCPU=1", s[1]), A),
    (DropReason.WRONG_HOST, lambda s: line("MONITOR_HOST", 0, "USEDCPU=1", s[0]), B),
    (DropReason.UNKNOWN_HOST, lambda s: line("MONITOR_HOST", 7, "USEDCPU=1", s[0]), A),
    (DropReason.UNKNOWN_SOURCE, lambda s: line("MONITOR_HOST", 0, "USEDCPU=1", s[0]), "203.0.113.9"),
    (DropReason.TOO_LARGE, lambda s: b"MONITOR_HOST SUCCESS 0 1 " + b"A" * (70 << 10) + b"\n", A),
    (DropReason.BAD_DATA, lambda s: line("MONITOR_HOST", 0, "USEDCPU=[unclosed", s[0]), A),
])
def test_bad_messages_are_dropped_and_counted(setup, reason, make, source) -> None:
    receiver, sink, sealers, _ = setup
    receiver.handle(make(sealers), source)
    assert receiver.dropped == {reason: 1}
    assert sink.writes == []


def test_bad_zlib_and_zlib_bomb(setup) -> None:
    receiver, sink, sealers, _ = setup
    now = int(time.time())
    head = b"MONITOR_HOST SUCCESS 0 %d" % now
    garbage = sealers[0].seal(b"not zlib at all", head)
    receiver.handle(head + b" " + base64.b64encode(garbage) + b"\n", A)
    bomb = sealers[0].seal(zlib.compress(b"A" * (8 << 20), 9), b"MONITOR_HOST SUCCESS 0 %d" % (now + 1))
    receiver.handle(b"MONITOR_HOST SUCCESS 0 %d " % (now + 1) + base64.b64encode(bomb) + b"\n", A)
    assert receiver.dropped == {DropReason.BAD_ZLIB: 1, DropReason.TOO_LARGE: 1}
    assert sink.writes == []


def test_replays_and_changed_headers(setup) -> None:
    receiver, sink, sealers, _ = setup
    now = int(time.time())
    first = line("MONITOR_HOST", 0, "USEDCPU=1", sealers[0], now)
    receiver.handle(first, A)
    receiver.handle(first, A)  # the same message again
    receiver.handle(line("MONITOR_HOST", 0, "USEDCPU=2", sealers[0], now - 10), A)  # older
    receiver.handle(line("MONITOR_HOST", 0, "USEDCPU=3", sealers[0], now + 3600), A)  # far future
    receiver.handle(first.replace(b"%d" % now, b"%d" % (now + 1), 1), A)  # re-stamped: the tag fails
    assert receiver.dropped == {DropReason.REPLAY: 3, DropReason.DECRYPT: 1}
    assert len(sink.writes) == 1


def test_flood_from_unknown_address_writes_nothing(setup) -> None:
    receiver, sink, sealers, _ = setup
    valid = line("BEACON_HOST", 0, "", sealers[0])
    for _ in range(5000):
        receiver.handle(valid, "198.51.100.7")
    assert receiver.dropped == {DropReason.UNKNOWN_SOURCE: 5000}
    assert sink.writes == []


def test_random_bytes_never_raise(setup) -> None:
    import random

    receiver, sink, _, _ = setup
    rng = random.Random(5)
    for _ in range(2000):
        receiver.handle(bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 200))) + b"\n", A)
    assert sum(receiver.dropped.values()) == 2000
    assert sink.writes == []


def test_vm_messages_with_bad_vm_entries_keep_the_good_ones(setup) -> None:
    receiver, sink, sealers, _ = setup
    good = base64.b64encode(b"CPU=12.5\nMEMORY=1024\n").decode()
    data = (f'VM=[ ID="3", DEPLOY_ID="one-3", MONITOR="{good}" ]\n'
            'VM=[ ID="4", DEPLOY_ID="one-4", MONITOR="***" ]\n'
            f'VM=[ ID="5", DEPLOY_ID="one-5", MONITOR="{base64.b64encode(b"CPU=lots").decode()}" ]\n')
    receiver.handle(line("MONITOR_VM", 0, data, sealers[0]), A)
    assert [w[:2] for w in sink.writes] == [("vm", 3)]
    assert receiver.dropped == {DropReason.BAD_DATA: 2}
