"""Fixtures of the network tests: a host that is a fresh network namespace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from network.netkit import NamespaceHosts, namespaces


@pytest.fixture
def host(tmp_path: Path) -> Iterator[tuple[str, NamespaceHosts]]:
    """(namespace name, transports reaching it); the namespace goes with all its links."""
    with namespaces("host") as (name,):
        yield name, NamespaceHosts(tmp_path / "remotes")
