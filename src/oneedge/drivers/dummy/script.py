"""How tests script the dummy drivers: ``DUMMY_*`` attributes the request carries.

They are read from the host's TEMPLATE, then the VM's USER_TEMPLATE (which
wins), so a test drives a failure through the API alone
(``one.vm.update``, ``one.host.update``):

- ``DUMMY_FAIL = "deploy prolog"``: these actions fail (names of driver
  actions, transfer phases such as ``prolog``/``epilog``, or a kind:
  ``vmm``, ``tm``, ``vnm``, ``im``), with ``DUMMY_MESSAGE`` as the error;
- ``DUMMY_HANG = "shutdown"``: these actions never finish (the runner's
  timeout ends them);
- ``DUMMY_DELAY = "0.05"``: seconds every action takes.
"""

from __future__ import annotations

import asyncio

from oneedge.drivers.base import DriverError

ATTRIBUTES = ("DUMMY_FAIL", "DUMMY_HANG", "DUMMY_DELAY", "DUMMY_MESSAGE")


def _names(text: str) -> set[str]:
    return {word.lower() for word in text.replace(",", " ").split()}


async def act(script: dict[str, str], kind: str, *names: str) -> None:
    """Take DUMMY_DELAY, then hang or fail if the script says so for the kind or any name."""
    delay = script.get("DUMMY_DELAY", "")
    try:
        seconds = float(delay) if delay else 0.0
    except ValueError:
        raise DriverError(f"DUMMY_DELAY must be a number of seconds, got {delay!r}") from None
    if seconds > 0:
        await asyncio.sleep(seconds)
    wanted = {kind, *names}
    if wanted & _names(script.get("DUMMY_HANG", "")):
        # Never finishes: the runner's timeout cancels this wait.
        await asyncio.Event().wait()
    if wanted & _names(script.get("DUMMY_FAIL", "")):
        message = script.get("DUMMY_MESSAGE") or "simulated failure (DUMMY_FAIL)"
        raise DriverError(f"{names[0] if names else kind}: {message}")
