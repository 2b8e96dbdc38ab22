"""A real PostgreSQL for the tests: the one scripts/test.sh started (ONEEDGE_TEST_PG),
or one started here with scripts/postgres.sh when pytest runs on its own."""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]


class Server:
    def __init__(self) -> None:
        self._dir: str | None = None
        url = os.environ.get("ONEEDGE_TEST_PG")
        if not url:
            self._dir = tempfile.mkdtemp(prefix="oneedge-pg.")
            url = subprocess.run([str(REPO / "scripts" / "postgres.sh"), "start", self._dir],
                                 check=True, capture_output=True, text=True).stdout.strip()
        self.url = sa.engine.make_url(url)

    def new_database(self) -> sa.engine.URL:
        """A fresh, empty database on the server."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        return self.url.set(database=name)

    def stop(self) -> None:
        if self._dir:
            subprocess.run([str(REPO / "scripts" / "postgres.sh"), "stop", self._dir], check=False)


def db_vector(url: sa.engine.URL) -> list[tuple[str, str]]:
    """The items of oned.conf's DB vector pointing at ``url``."""
    return [("BACKEND", "postgresql"), ("SERVER", url.host), ("PORT", str(url.port)),
            ("USER", url.username), ("PASSWD", url.password or ""), ("DB_NAME", url.database)]
