"""The drivers oned.conf configures, read as OpenNebula reads them.

``VM_MAD`` and ``IM_MAD`` are one vector per driver (``NAME``, ``EXECUTABLE``,
``ARGUMENTS``); ``TM_MAD`` is one vector whose ``-d`` option lists every
driver name; network drivers are the ``VN_MAD_CONF`` vectors (``NAME``),
run with the default limits, as OpenNebula runs them from its VMM driver. In ``ARGUMENTS``, ``-t`` is the number of actions
run at once and ``-w`` the seconds an action may take; the implementation
is the positional argument (``-t 15 -r 0 kvm``) or else the suffix of the
executable (``one_vmm_dummy``). Unknown implementations fail at start.
"""

from __future__ import annotations

from dataclasses import dataclass

from oneedge.drivers import registry
from oneedge.drivers.base import DriverConfig
from oneedge.template import Template, VectorAttribute

#: The vectors of oned.conf and the kind of driver each configures.
VECTORS = {"VM_MAD": "vmm", "IM_MAD": "im", "TM_MAD": "tm", "VN_MAD_CONF": "vnm"}
#: Options of OpenNebula's driver ARGUMENTS that take a value.
_VALUED = {"-t", "-r", "-w", "-l", "-s", "-d", "-m", "-e", "-o"}
DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT = 15, 90.0


class DriverConfigError(ValueError):
    """oned.conf names a driver oneedge does not have, or gives it bad arguments."""


def _arguments(vector: VectorAttribute) -> tuple[dict[str, str], list[str]]:
    words = (vector.get("ARGUMENTS") or "").split()
    options: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in _VALUED and index + 1 < len(words):
            options[word] = words[index + 1]
            index += 2
            continue
        if word.startswith("-"):
            options[word] = ""
        else:
            positional.append(word)
        index += 1
    return options, positional


def _limits(where: str, options: dict[str, str]) -> tuple[int, float]:
    try:
        concurrency = int(options.get("-t", DEFAULT_CONCURRENCY))
        timeout = float(options.get("-w", DEFAULT_TIMEOUT))
    except ValueError:
        raise DriverConfigError(f"{where}: -t takes a number of actions and -w seconds") from None
    if concurrency < 1 or timeout <= 0:
        raise DriverConfigError(f"{where}: -t and -w must be positive")
    return concurrency, timeout


def _check(kind: str, where: str, executable: str) -> None:
    if not registry.known(kind, executable):
        names = ", ".join(sorted(registry.DRIVERS[kind])) or "none"
        raise DriverConfigError(f"{where}: unknown {kind} driver {executable!r} (known: {names})")


@dataclass(frozen=True)
class DriverSet:
    """Every configured driver by kind and name (the name hosts and datastores use)."""

    drivers: dict[str, dict[str, DriverConfig]]

    def names(self, kind: str) -> list[str]:
        return sorted(self.drivers.get(kind, {}))

    def get(self, kind: str, name: str) -> DriverConfig | None:
        return self.drivers.get(kind, {}).get(name)


def read(template: Template) -> DriverSet:
    """The drivers of an oned.conf template; raise DriverConfigError on unknown names or bad arguments."""
    drivers: dict[str, dict[str, DriverConfig]] = {kind: {} for kind in VECTORS.values()}
    for vector_name, kind in VECTORS.items():
        for vector in template.vectors(vector_name):
            options, positional = _arguments(vector)
            executable_path = vector.get("EXECUTABLE") or ""
            if kind == "vnm":
                name = vector.get("NAME") or ""
                _check(kind, f"{vector_name} {name}", name)
                _add(drivers[kind], vector_name, DriverConfig(kind, name, name, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT))
                continue
            if kind == "tm":
                names = [n for n in options.get("-d", "").split(",") if n]
                where = f"{vector_name} -d"
                concurrency, timeout = _limits(vector_name, options)
                for name in names:
                    _check(kind, where, name)
                    _add(drivers[kind], vector_name, DriverConfig(kind, name, name, concurrency, timeout))
                continue
            name = vector.get("NAME") or ""
            if not name:
                raise DriverConfigError(f"{vector_name} needs a NAME")
            executable = positional[0] if positional else executable_path.rsplit("_", 1)[-1]
            where = f"{vector_name} {name}"
            _check(kind, where, executable)
            concurrency, timeout = _limits(where, options)
            _add(drivers[kind], vector_name,
                 DriverConfig(kind, name, executable, concurrency, timeout, dict(vector.items)))
    return DriverSet(drivers)


def _add(table: dict[str, DriverConfig], vector_name: str, config: DriverConfig) -> None:
    if config.name in table:
        raise DriverConfigError(f"{vector_name}: driver {config.name!r} configured twice")
    table[config.name] = config
