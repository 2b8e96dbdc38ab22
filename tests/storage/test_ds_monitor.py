"""Datastore capacity measured on a host through its transport."""

from __future__ import annotations

import os

import pytest
from storage.storage_kit import run

from oneedge.datastore import host_monitor
from oneedge.datastore.layout import MB, Capacity
from oneedge.drivers.base import DriverError


def test_capacity_of_datastores_on_a_host(tmp_path, transports):
    system = tmp_path / "datastores" / "0"
    system.mkdir(parents=True)
    found = run(host_monitor.monitor(transports.for_host("node1"),
                                     {0: str(system), 100: str(tmp_path / "not-here")}, timeout=10))
    assert list(found) == [0]
    st = os.statvfs(system)
    total = st.f_blocks * st.f_frsize // MB
    cap = found[0]
    assert cap.total_mb == total and cap.used_mb + cap.free_mb == total
    # The file system may change a little between the two readings; not by much.
    assert abs(cap.free_mb - st.f_bavail * st.f_frsize // MB) < 64


def test_bad_arguments_fail_clearly(transports):
    with pytest.raises(DriverError, match="expected ID=/path"):
        run(host_monitor.monitor(transports.for_host("node1"), {0: "relative"}, timeout=10))


def test_parse_takes_only_the_probe_lines():
    text = ('HYPERVISOR=kvm\nDS = [ ID = "0", USED_MB = "10", TOTAL_MB = "30", FREE_MB = "20" ]\n'
            'DS = [ ID = "x" ]\n')
    assert host_monitor.parse(text) == {0: Capacity(30, 20, 10)}
