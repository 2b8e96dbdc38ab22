"""Fixtures of the lifecycle tests: an in-process front-end with dummy hosts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lcm_harness import Harness
from oneedge.pool.host import HostState


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    running = Harness(tmp_path_factory.mktemp("lcm") / "home").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def hosts(harness: Harness) -> list[int]:
    """Three monitored dummy hosts in the default cluster."""
    ids = [harness.ok("one.host.allocate", f"node{i}", "dummy", "dummy", -1) for i in range(3)]
    for host_id in ids:
        harness.wait(lambda h=host_id: harness.host(h).state is HostState.MONITORED, what=f"host {host_id} monitored")
    return ids
