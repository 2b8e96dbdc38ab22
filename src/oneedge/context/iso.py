"""Write the context CD-ROM: an ISO 9660 image (Joliet and Rock Ridge) labelled ``CONTEXT``.

The one side effect of contextualization: a directory is laid out with
``context.sh`` and the context files, then ``genisoimage`` (or ``xorriso``'s
``mkisofs`` mode, whichever the machine has) makes the image.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

LABEL = "CONTEXT"


class ContextError(RuntimeError):
    """The ISO could not be made; the message says why."""


def _tool() -> list[str]:
    if shutil.which("genisoimage"):
        return ["genisoimage"]
    if shutil.which("xorriso"):
        return ["xorriso", "-as", "mkisofs"]
    raise ContextError("neither genisoimage nor xorriso is installed (Debian package genisoimage)")


def write_iso(target: Path, context_sh: str, files: Iterable[Path] = ()) -> None:
    """Write ``target``: ``context.sh`` plus ``files`` (by their base names) at the ISO's root."""
    with tempfile.TemporaryDirectory(prefix="oneedge-context-") as tmp:
        root = Path(tmp, "iso")
        root.mkdir()
        (root / "context.sh").write_text(context_sh)
        for path in files:
            if not path.is_file():
                raise ContextError(f"context file {path} does not exist")
            shutil.copyfile(path, root / path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        done = subprocess.run([*_tool(), "-quiet", "-o", str(partial), "-V", LABEL, "-J", "-R", str(root)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise ContextError(f"cannot write the context ISO {target}: {done.stderr.strip()}")
        partial.replace(target)
