"""MAX_HOST and MAX_DISPATCH spread a burst of VMs over cycles without slowing it down."""

from __future__ import annotations

import time

from lxml import etree

from oneedge.scheduler.model import Failure, Placement, Plan, Unplaced
from oneedge.scheduler.service import _limited
from oneedge.template import parse
from support import frontend as fe


def test_a_cycle_cut_short_by_a_limit_is_followed_at_once():
    placed = (Placement(1, 0, 0),)
    assert _limited(Plan(placed, (Unplaced(2, Failure.NOT_DISPATCHED, ""),)))
    assert _limited(Plan(placed, (Unplaced(2, Failure.DISPATCH_LIMIT, ""),)))
    assert not _limited(Plan(placed, (Unplaced(2, Failure.NO_CAPACITY, "x"),)))
    assert not _limited(Plan((), (Unplaced(2, Failure.NOT_DISPATCHED, ""),)))
    assert not _limited(Plan(placed, ()))


def test_one_vm_per_host_per_cycle_still_places_a_burst_quickly(tmp_path):
    home = tmp_path / "home"
    fe.write_conf(home, scheduler=True)
    for path, values in (("sched.conf", (("SCHED_INTERVAL", "60"), ("MAX_HOST", "1"))),
                         ("oned.conf", (("MONITORING_INTERVAL_HOST", "0.3"),))):
        template = parse((home / path).read_text())
        for name, value in values:
            template.set(name, value)
        (home / path).write_text(template.to_text())
    running = fe.start(home)
    try:
        raw = running.raw()
        host = raw.ok("one.host.allocate", "only", "dummy", "dummy", -1)
        deadline = time.monotonic() + 20
        while etree.fromstring(raw.ok("one.host.info", host, False).encode()).findtext("STATE") != "2":
            assert time.monotonic() < deadline, "host never MONITORED"
            time.sleep(0.05)
        vms = [raw.ok("one.vm.allocate", 'NAME = "b"\nCPU = 0.1\nMEMORY = 32', False) for _ in range(5)]
        # Five cycles of one VM each: with SCHED_INTERVAL 60 s between them this would take minutes.
        deadline = time.monotonic() + 20
        while True:
            states = [etree.fromstring(raw.ok("one.vm.info", vm, False).encode()).findtext("LCM_STATE") for vm in vms]
            if states == ["3"] * 5:
                break
            assert time.monotonic() < deadline, f"not all RUNNING: {states}"
            time.sleep(0.1)
    finally:
        assert running.stop() == 0
