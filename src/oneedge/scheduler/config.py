"""The scheduler's settings: OpenNebula 6.10's sched.conf, read from the front-end home.

Names and defaults are sched.conf's (SCHED_INTERVAL, MAX_VM, MAX_DISPATCH,
MAX_HOST, LIVE_RESCHEDS, COLD_MIGRATE_MODE, MEMORY_SYSTEM_DS_SCALE,
DEFAULT_SCHED and DEFAULT_DS_SCHED with POLICY and RANK), plus oneedge's
SCHED_ENABLED. A value that is not a number, or a policy number no policy
has, fails at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oneedge.config import home_template
from oneedge.template import Template


class SchedulerConfigError(ValueError):
    pass


@dataclass(frozen=True)
class SchedulerSettings:
    #: Whether the front-end runs the scheduler (SCHED_ENABLED).
    enabled: bool = True
    interval: float = 15.0
    #: Pending VMs considered per cycle, oldest first (0: all).
    max_vm: int = 5000
    #: VMs dispatched per cycle (0: no limit).
    max_dispatch: int = 30
    #: VMs dispatched to one host per cycle (0: no limit).
    max_host: int = 1
    live_rescheds: bool = False
    #: one.vm.migrate's mode for cold rescheduling: 0 save, 1 poweroff, 2 poweroff-hard.
    cold_migrate_mode: int = 0
    #: System DS usage added per MB of VM memory (checkpoint files).
    memory_system_ds_scale: float = 0.0
    policy: int = 1
    rank: str = ""
    ds_policy: int = 1
    ds_rank: str = ""

    @classmethod
    def load(cls, home: Path) -> SchedulerSettings:
        """``home/sched.conf``, written from the defaults on first start."""
        path, template = home_template(home, "sched.conf")
        try:
            return cls.from_template(template)
        except SchedulerConfigError as exc:
            raise SchedulerConfigError(f"{path}: {exc}") from None

    @classmethod
    def from_template(cls, template: Template) -> SchedulerSettings:
        """Read sched.conf's attributes; those it lacks keep OpenNebula's defaults."""
        from oneedge.scheduler.policies import DS_POLICIES, HOST_POLICIES

        defaults = cls()

        def number(name: str, default: float, kind: type = int) -> float:
            text = template.get(name)
            if text is None or not text.strip():
                return default
            try:
                return kind(text)
            except ValueError:
                raise SchedulerConfigError(f"{name} must be a number, got {text!r}") from None

        def policy(name: str, default: int, rank: str, table: dict) -> tuple[int, str]:
            vectors = template.vectors(name)
            if not vectors:
                return default, rank
            text = vectors[0].get("POLICY") or str(default)
            try:
                number_ = int(text)
            except ValueError:
                raise SchedulerConfigError(f"{name}/POLICY must be a number, got {text!r}") from None
            if number_ not in table:
                raise SchedulerConfigError(f"{name}/POLICY {number_} is not one of {sorted(table)}")
            return number_, vectors[0].get("RANK") or ""

        host_policy, rank = policy("DEFAULT_SCHED", defaults.policy, defaults.rank, HOST_POLICIES)
        ds_policy, ds_rank = policy("DEFAULT_DS_SCHED", defaults.ds_policy, defaults.ds_rank, DS_POLICIES)
        mode = int(number("COLD_MIGRATE_MODE", defaults.cold_migrate_mode))
        if mode not in (0, 1, 2):
            raise SchedulerConfigError(f"COLD_MIGRATE_MODE must be 0, 1 or 2, got {mode}")
        interval = number("SCHED_INTERVAL", defaults.interval, float)
        if interval <= 0:
            raise SchedulerConfigError(f"SCHED_INTERVAL must be positive, got {interval}")
        enabled = (template.get("SCHED_ENABLED") or "YES").strip().upper()
        if enabled not in ("YES", "NO"):
            raise SchedulerConfigError(f"SCHED_ENABLED must be YES or NO, got {enabled!r}")
        return cls(
            enabled=enabled == "YES",
            interval=interval,
            max_vm=int(number("MAX_VM", defaults.max_vm)),
            max_dispatch=int(number("MAX_DISPATCH", defaults.max_dispatch)),
            max_host=int(number("MAX_HOST", defaults.max_host)),
            live_rescheds=int(number("LIVE_RESCHEDS", 0)) == 1,
            cold_migrate_mode=mode,
            memory_system_ds_scale=number("MEMORY_SYSTEM_DS_SCALE", defaults.memory_system_ds_scale, float),
            policy=host_policy, rank=rank, ds_policy=ds_policy, ds_rank=ds_rank,
        )
