"""Run the one* commands as subprocesses against the module's front-end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.frontend import Frontend

BIN = Path(sys.executable).parent


class Cli:
    """``cli.ok("onevm", "list")`` runs ``.venv/bin/onevm list`` with ONE_XMLRPC/ONE_AUTH
    pointing at the front-end, and a HOME and XDG_RUNTIME_DIR of its own."""

    def __init__(self, frontend: Frontend, home: Path) -> None:
        self.frontend = frontend
        self.env = dict(os.environ, ONE_XMLRPC=frontend.url, ONE_AUTH=str(frontend.home / "one_auth"),
                        HOME=str(home), XDG_RUNTIME_DIR=str(home / "run"), LC_ALL="C.UTF-8", TZ="UTC")
        self.env.pop("COLUMNS", None)

    def run(self, *argv: str, input: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(BIN / argv[0]), *argv[1:]]
        return subprocess.run(command, input=input if input is not None else "", capture_output=True, text=True,
                              env={**self.env, **(env or {})}, timeout=timeout)

    def ok(self, *argv: str, **kw: object) -> str:
        """Run and insist on success with nothing on stderr; returns stdout."""
        done = self.run(*argv, **kw)  # type: ignore[arg-type]
        assert done.returncode == 0 and not done.stderr, f"{argv}: {done.returncode} {done.stderr}"
        return done.stdout

    def fails(self, *argv: str, status: int = 255, **kw: object) -> str:
        """Run and insist on failure with ``status``, nothing on stdout and one stderr line; returns it."""
        done = self.run(*argv, **kw)  # type: ignore[arg-type]
        assert done.returncode == status, f"{argv}: expected {status}, got {done.returncode}: {done.stderr}"
        lines = done.stderr.splitlines()
        assert len(lines) == 1, f"{argv}: expected one stderr line, got {done.stderr!r}"
        return lines[0]

    def fails_unchanged(self, *argv: str, status: int = 255, view: tuple[str, ...] = ("list", "-x"),
                        **kw: object) -> str:
        """:meth:`fails`, and the pool of ``argv[0]``'s kind (``list -x``, or ``view``
        where monitoring changes it on its own) is the same after."""
        before = self.ok(argv[0], *view)
        line = self.fails(*argv, status=status, **kw)
        assert self.ok(argv[0], *view) == before, f"{argv} changed the pool"
        return line

    def new_id(self, *argv: str, **kw: object) -> int:
        """Run a create command and return the ID it printed (``ID: 3``)."""
        out = self.ok(*argv, **kw).strip()
        assert out.split(":")[0].endswith("ID"), out
        return int(out.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def cli(frontend: Frontend, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(frontend, tmp_path_factory.mktemp("clihome"))


def table(text: str) -> list[list[str]]:
    """Rows of a table output split on whitespace, header first."""
    return [line.split() for line in text.splitlines()]
