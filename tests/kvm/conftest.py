"""Fixtures of the kvm tests: the bundled guest (built once), a bridge with a private range."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from oneedge.guest.build import Guest, build


@pytest.fixture(scope="session")
def guest(tmp_path_factory: pytest.TempPathFactory) -> Guest:
    return build(tmp_path_factory.mktemp("guest"))


@pytest.fixture(scope="module")
def bridge() -> Iterator[tuple[str, str]]:
    """A host-local bridge ``onebrt<pid>`` with 10.231.0.1/24; removed after the module."""
    import os

    name = f"onebrt{os.getpid() % 100000}"
    subprocess.run(["ip", "link", "add", name, "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "addr", "add", "10.231.0.1/24", "dev", name], check=True)
        subprocess.run(["ip", "link", "set", name, "up"], check=True)
        yield name, "10.231.0"
    finally:
        subprocess.run(["ip", "link", "del", name], capture_output=True)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "frontend"
