"""sched.conf in the front-end home: written with OpenNebula's defaults on first start, then read."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from oneedge.config import default_text
from oneedge.scheduler.config import SchedulerSettings
from oneedge.template import parse


def test_first_start_writes_the_defaults(tmp_path: Path) -> None:
    settings = SchedulerSettings.load(tmp_path)
    path = tmp_path / "sched.conf"
    assert path.read_text() == default_text("sched.conf")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    # OpenNebula 6.10's defaults, and the scheduler on.
    assert settings == SchedulerSettings()
    assert (settings.enabled, settings.interval, settings.max_vm, settings.max_dispatch, settings.max_host) == (
        True, 15.0, 5000, 30, 1)
    conf = parse(path.read_text())
    for name in ("MESSAGE_SIZE", "TIMEOUT", "ONE_XMLRPC", "LIVE_RESCHEDS", "COLD_MIGRATE_MODE", "DIFFERENT_VNETS",
                 "MEMORY_SYSTEM_DS_SCALE"):
        assert conf.get(name) is not None, name
    for vector in ("DEFAULT_SCHED", "DEFAULT_DS_SCHED", "DEFAULT_NIC_SCHED", "LOG"):
        assert conf.vectors(vector), vector


def test_an_edited_file_is_read_and_kept(tmp_path: Path) -> None:
    (tmp_path / "sched.conf").write_text('SCHED_ENABLED = "no"\nCOLD_MIGRATE_MODE = 2\nMAX_DISPATCH = 0\n')
    settings = SchedulerSettings.load(tmp_path)
    assert (settings.enabled, settings.cold_migrate_mode, settings.max_dispatch, settings.max_host) == (
        False, 2, 0, 1)
    assert "COLD_MIGRATE_MODE = 2" in (tmp_path / "sched.conf").read_text()


@pytest.mark.parametrize("text, message", [
    ('SCHED_ENABLED = "maybe"', "SCHED_ENABLED"), ("COLD_MIGRATE_MODE = 3", "COLD_MIGRATE_MODE"),
    ("MAX_HOST = [", "sched.conf"),
])
def test_a_bad_file_names_itself(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "sched.conf").write_text(text + "\n")
    with pytest.raises(ValueError, match=message) as caught:
        SchedulerSettings.load(tmp_path)
    assert str(tmp_path / "sched.conf") in str(caught.value)
