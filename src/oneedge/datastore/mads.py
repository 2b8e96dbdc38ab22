"""The datastore and transfer driver names oneedge knows, as data.

OpenNebula lists them in oned.conf (``DS_MAD_CONF``, ``TM_MAD_CONF``); the
names are what users put in DS_MAD/TM_MAD. Only the DS_MADs in
``oneedge.datastore.driver.DS_DRIVERS`` act on files here; the others are
accepted as records so templates written for OpenNebula are not refused.
"""

from __future__ import annotations

from dataclasses import dataclass

DS_MADS: frozenset[str] = frozenset(
    {"fs", "dummy", "lvm", "ceph", "dev", "iscsi_libvirt", "vcenter", "restic", "rsync"})


@dataclass(frozen=True)
class TmMad:
    """A transfer driver: how VM disks reach hosts (TM_MAD_CONF's LN_TARGET, CLONE_TARGET...)."""

    name: str
    ln_target: str
    clone_target: str
    shared: bool
    ds_migrate: bool


TM_MADS: dict[str, TmMad] = {tm.name: tm for tm in (
    TmMad("dummy", "NONE", "SYSTEM", True, False),
    TmMad("ssh", "SYSTEM", "SYSTEM", False, True),
    TmMad("shared", "NONE", "SYSTEM", True, True),
    TmMad("qcow2", "NONE", "SYSTEM", True, True),
    TmMad("local", "SYSTEM", "SYSTEM", False, True),
    TmMad("fs_lvm", "SYSTEM", "SYSTEM", True, False),
    TmMad("fs_lvm_ssh", "SYSTEM", "SYSTEM", False, False),
    TmMad("ceph", "NONE", "SELF", True, False),
    TmMad("dev", "NONE", "NONE", True, False),
    TmMad("iscsi_libvirt", "NONE", "SELF", True, False),
    TmMad("vcenter", "NONE", "NONE", True, False),
)}
