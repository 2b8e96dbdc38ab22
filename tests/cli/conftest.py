"""Run the one* commands as subprocesses against the module's front-end."""

from __future__ import annotations

import pytest

from support.cli import Cli
from support.frontend import Frontend


@pytest.fixture(scope="module")
def cli(frontend: Frontend, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(frontend, tmp_path_factory.mktemp("clihome"))
