"""``monitord.conf``: the monitor daemon's configuration, in OpenNebula's format.

Read from the front-end home (written there from ``oneedge/etc/monitord.conf``
on first start), validated at once: a bad value stops the daemon at start
with the file and attribute named.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from oneedge.template import TemplateError, parse

#: Probe kinds by the message type they send, with their directory under a probe set.
PROBE_KINDS = {
    "BEACON_HOST": "host/beacon",
    "MONITOR_HOST": "host/monitor",
    "SYSTEM_HOST": "host/system",
    "MONITOR_VM": "vm/monitor",
    "STATE_VM": "vm/status",
}
PROTOCOLS = ("udp", "tcp", "auto")


class MonitorConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ImMad:
    name: str
    probes: str
    protocol: str
    #: NO: the daemon does not start agents for these hosts (they run theirs), only listens to them.
    start_agent: bool = True
    #: Other attributes of the vector, given to the probes as ``ONE_<NAME>`` ("{HOST_ID}" replaced).
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MonitorConfig:
    path: Path
    manager_timer: float
    monitoring_interval_host: float
    host_expiration: int
    vm_expiration: int
    address: str
    monitor_address: str
    port: int
    threads: int
    pubkey: Path | None
    prikey: Path | None
    #: PROBES_PERIOD: seconds per probe kind, plus SYNC_STATE_VM.
    periods: dict[str, float]
    metrics_address: str
    metrics_port: int
    im_mads: dict[str, ImMad]
    log_level: int

    @property
    def encrypted(self) -> bool:
        return self.prikey is not None


def default_text() -> str:
    return resources.files("oneedge.etc").joinpath("monitord.conf").read_text()


def load(home: Path) -> MonitorConfig:
    """``home/monitord.conf``, created from the defaults if missing."""
    path = home / "monitord.conf"
    if not path.exists():
        path.write_text(default_text())
    try:
        template = parse(path.read_text())
    except TemplateError as exc:
        raise MonitorConfigError(f"{path}: {exc}") from None

    def number(value: str | None, name: str, default: float, minimum: float = 0) -> float:
        try:
            result = float(value) if value not in (None, "") else default
        except ValueError:
            raise MonitorConfigError(f"{path}: {name} must be a number, got {value!r}") from None
        if result < minimum:
            raise MonitorConfigError(f"{path}: {name} must be at least {minimum}")
        return result

    def vector(name: str) -> dict[str, str]:
        found = template.vectors(name)
        return {k.upper(): v for k, v in found[0].items} if found else {}

    def key(value: str) -> Path | None:
        return None if not value else (Path(value) if Path(value).is_absolute() else home / value)

    network, periods, metrics, log = vector("NETWORK"), vector("PROBES_PERIOD"), vector("METRICS"), vector("LOG")
    defaults = {"BEACON_HOST": 30, "SYSTEM_HOST": 600, "MONITOR_HOST": 120, "STATE_VM": 5, "MONITOR_VM": 30,
                "SYNC_STATE_VM": 180}
    mads: dict[str, ImMad] = {}
    for mad in template.vectors("IM_MAD"):
        items = {k.upper(): v for k, v in mad.items}
        name, protocol = items.get("NAME", ""), items.get("PROTOCOL", "auto").lower()
        if not name or not items.get("PROBES"):
            raise MonitorConfigError(f"{path}: IM_MAD needs NAME and PROBES")
        if protocol not in PROTOCOLS:
            raise MonitorConfigError(f"{path}: IM_MAD {name}: PROTOCOL must be one of {', '.join(PROTOCOLS)}")
        if "/" in items["PROBES"] or items["PROBES"].startswith("."):
            raise MonitorConfigError(f"{path}: IM_MAD {name}: PROBES is a directory name under im/")
        env = tuple((f"ONE_{k}", v) for k, v in items.items()
                    if k not in ("NAME", "PROBES", "PROTOCOL", "START_AGENT", "SUNSTONE_NAME"))
        mads[name] = ImMad(name, items["PROBES"], protocol, items.get("START_AGENT", "YES").upper() != "NO", env)
    pubkey, prikey = key(network.get("PUBKEY", "")), key(network.get("PRIKEY", ""))
    if (pubkey is None) != (prikey is None):
        raise MonitorConfigError(f"{path}: NETWORK needs both PUBKEY and PRIKEY, or neither")
    return MonitorConfig(
        path=path,
        manager_timer=number(template.get("MANAGER_TIMER"), "MANAGER_TIMER", 15, 0.1),
        monitoring_interval_host=number(template.get("MONITORING_INTERVAL_HOST"), "MONITORING_INTERVAL_HOST", 180, 1),
        host_expiration=int(number(template.get("HOST_MONITORING_EXPIRATION_TIME"),
                                   "HOST_MONITORING_EXPIRATION_TIME", 43200)),
        vm_expiration=int(number(template.get("VM_MONITORING_EXPIRATION_TIME"), "VM_MONITORING_EXPIRATION_TIME",
                                 43200)),
        address=network.get("ADDRESS", "0.0.0.0"),
        monitor_address=network.get("MONITOR_ADDRESS", "auto"),
        port=int(number(network.get("PORT"), "NETWORK/PORT", 4124, 0)),
        threads=int(number(network.get("THREADS"), "NETWORK/THREADS", 8, 1)),
        pubkey=pubkey,
        prikey=prikey,
        periods={name: number(periods.get(name), f"PROBES_PERIOD/{name}", default, 0.1)
                 for name, default in defaults.items()},
        metrics_address=metrics.get("ADDRESS", "127.0.0.1"),
        metrics_port=int(number(metrics.get("PORT"), "METRICS/PORT", 4125, 0)),
        im_mads=mads,
        log_level=int(number(log.get("DEBUG_LEVEL"), "LOG/DEBUG_LEVEL", 3)),
    )
