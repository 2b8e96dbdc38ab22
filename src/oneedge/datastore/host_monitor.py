"""Datastore capacity measured on hosts (system datastores on each host's own disk).

The host runs ``remotes/datastore/monitor`` and answers OpenNebula's
``DS = [ ID, USED_MB, TOTAL_MB, FREE_MB ]`` lines, which monitoring adds to
the host's HOST_SHARE/DATASTORES; :func:`parse` reads them (pure).
"""

from __future__ import annotations

import re

from oneedge.datastore.layout import Capacity
from oneedge.drivers.base import DriverError
from oneedge.drivers.transport import Transport, TransportError

SCRIPT = "datastore/monitor"
_LINE = re.compile(r'^DS\s*=\s*\[\s*ID\s*=\s*"(\d+)",\s*USED_MB\s*=\s*"(\d+)",\s*TOTAL_MB\s*=\s*"(\d+)",'
                   r'\s*FREE_MB\s*=\s*"(\d+)"\s*\]$')


def parse(text: str) -> dict[int, Capacity]:
    """Capacity by datastore ID from the probe's lines; other lines are not the probe's and are skipped."""
    found = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match:
            ds_id, used, total, free = map(int, match.groups())
            found[ds_id] = Capacity(total, free, used)
    return found


async def monitor(transport: Transport, paths: dict[int, str], timeout: float) -> dict[int, Capacity]:
    """Capacity of the datastores (ID -> directory on the host) that exist on the transport's host."""
    if not paths:
        return {}
    try:
        result = await transport.run(SCRIPT, [f"{ds_id}={path}" for ds_id, path in sorted(paths.items())],
                                     timeout=timeout)
    except TransportError as exc:
        raise DriverError(f"Cannot monitor datastores on {transport.host}: {exc}") from None
    if not result.ok:
        raise DriverError(f"Cannot monitor datastores on {transport.host}: "
                          f"{result.stderr.decode(errors='replace').strip()}")
    return parse(result.stdout.decode(errors="replace"))
