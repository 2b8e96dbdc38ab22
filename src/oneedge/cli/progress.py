"""A one-line progress indicator for long operations: shown on a terminal, silent in scripts."""

from __future__ import annotations

import time

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from typing import Any, TextIO

FRAMES = "|/-\\"


class Progress:
    """``with Progress(sys.stderr, "VM 3: waiting for POWEROFF") as p: p.tick("ACTIVE")``;
    the line is rewritten in place and erased at the end."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.shown = stream.isatty()
        self.start = time.monotonic()
        self.frame = 0

    def __enter__(self) -> Progress:
        return self

    def tick(self, status: str) -> None:
        if not self.shown:
            return
        self.frame += 1
        elapsed = time.monotonic() - self.start
        self.stream.write(f"\r\33[K{FRAMES[self.frame % 4]} {self.label} ({status}, {elapsed:.0f}s)")
        self.stream.flush()

    def __exit__(self, *exc: Any) -> None:
        if self.shown and self.frame:
            self.stream.write("\r\33[K")
            self.stream.flush()
