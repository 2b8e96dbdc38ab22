"""The lifecycle's services, built from oned.conf: drivers, lifecycle manager, host monitoring.

Unknown driver names or bad driver arguments in oned.conf raise
``DriverConfigError`` here, so the front-end refuses to start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oneedge.drivers import config as driver_config
from oneedge.drivers.config import DriverConfigError
from oneedge.drivers.runner import DriverPool
from oneedge.im.manager import InformationManager
from oneedge.lcm.manager import LifeCycleManager

if TYPE_CHECKING:
    from oneedge.nebula import Core

DEFAULT_MONITORING_INTERVAL = 180.0


def build(core: Core) -> list[Any]:
    """The services to append to ``core.services``, in start order."""
    drivers = DriverPool(driver_config.read(core.config.template), getattr(core, "transports", None))
    text = core.config.template.get("MONITORING_INTERVAL_HOST")
    try:
        interval = float(text) if text else DEFAULT_MONITORING_INTERVAL
    except ValueError:
        raise DriverConfigError(f"MONITORING_INTERVAL_HOST must be a number of seconds, got {text!r}") from None
    lcm = LifeCycleManager(core, drivers)
    return [lcm, InformationManager(core, drivers, lcm, interval)]
