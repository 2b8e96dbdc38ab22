"""Running the one* commands as subprocesses against a front-end, in tests."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

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


def table(text: str) -> list[list[str]]:
    """Rows of a table output split on whitespace, header first."""
    return [line.split() for line in text.splitlines()]


def pty_run(argv: list[str], env: dict[str, str], columns: int) -> tuple[int, str]:
    """Output of ``argv`` run in a pseudo-terminal ``columns`` wide."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    process.wait(10)
    os.close(leader)
    return process.returncode, b"".join(chunks).decode()


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
