"""What every driver kind shares: its errors, the request facts it is given, its capabilities.

A driver action is an ``async def`` that gets everything it needs in its
request (documents as XML text, host name, datastore...) and returns a
result, or raises :class:`DriverError` with the message the user sees in the
object's ERROR. Drivers never call the API back and never touch the
database: the lifecycle manager applies their results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


class DriverError(Exception):
    """An action failed (or is not supported); the message is shown to the user."""


class DriverTimeout(DriverError):
    """An action did not finish within its driver's timeout (raised by the runner)."""


@dataclass(frozen=True)
class Capabilities:
    """What a driver can do beyond its mandatory actions (as nova's ``capabilities``).

    The lifecycle consults these before accepting an action, so an unsupported
    one is refused at the API instead of failing on the host.
    """

    live_migration: bool = False
    hotplug_disk: bool = False
    hotplug_nic: bool = False
    snapshots: bool = False
    resize: bool = False
    #: Whether VM snapshots survive a cold migration (``KEEP_SNAPSHOTS`` of VM_MAD).
    keep_snapshots: bool = False


@dataclass(frozen=True)
class DriverConfig:
    """One ``*_MAD`` vector of oned.conf: the driver's name, class and limits."""

    kind: str
    name: str
    #: The registry name of the implementation (``EXECUTABLE`` in oned.conf, e.g. ``dummy``).
    executable: str
    #: Actions run at once (``-t`` in OpenNebula's ARGUMENTS).
    concurrency: int = 15
    #: Seconds an action may take before it counts as failed (``-w``).
    timeout: float = 90.0
    attributes: dict[str, str] = field(default_factory=dict)


class Driver:
    """The base of every driver: its configuration and a "not supported" failure."""

    KIND: ClassVar[str]
    CAPABILITIES: ClassVar[Capabilities] = Capabilities()

    def __init__(self, config: DriverConfig, transports: Any = None) -> None:
        self.config = config
        #: How the driver reaches hosts (``oneedge.drivers.transport_factory.Transports``);
        #: None for drivers that never leave the front-end (the dummies).
        self.transports = transports

    @property
    def name(self) -> str:
        return self.config.name

    def unsupported(self, action: str) -> DriverError:
        return DriverError(f"Action {action} is not supported by {self.KIND} driver {self.name}")
