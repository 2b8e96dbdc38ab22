"""State and type numbers of OpenNebula's documents: (name, short name) at their index.

One table per enum, numbered as on the wire; :func:`name` and :func:`short`
read them and show an unknown number as itself instead of failing.
"""

from __future__ import annotations

VM = (("INIT", "init"), ("PENDING", "pend"), ("HOLD", "hold"), ("ACTIVE", "actv"), ("STOPPED", "stop"),
      ("SUSPENDED", "susp"), ("DONE", "done"), ("FAILED", "fail"), ("POWEROFF", "poff"),
      ("UNDEPLOYED", "unde"), ("CLONING", "clon"), ("CLONING_FAILURE", "fail"))

LCM = (("LCM_INIT", "init"), ("PROLOG", "prol"), ("BOOT", "boot"), ("RUNNING", "runn"), ("MIGRATE", "migr"),
       ("SAVE_STOP", "save"), ("SAVE_SUSPEND", "save"), ("SAVE_MIGRATE", "save"), ("PROLOG_MIGRATE", "migr"),
       ("PROLOG_RESUME", "prol"), ("EPILOG_STOP", "epil"), ("EPILOG", "epil"), ("SHUTDOWN", "shut"),
       ("CANCEL", "shut"), ("FAILURE", "fail"), ("CLEANUP_RESUBMIT", "clea"), ("UNKNOWN", "unkn"),
       ("HOTPLUG", "hotp"), ("SHUTDOWN_POWEROFF", "shut"), ("BOOT_UNKNOWN", "boot"), ("BOOT_POWEROFF", "boot"),
       ("BOOT_SUSPENDED", "boot"), ("BOOT_STOPPED", "boot"), ("CLEANUP_DELETE", "clea"),
       ("HOTPLUG_SNAPSHOT", "snap"), ("HOTPLUG_NIC", "hotp"), ("HOTPLUG_SAVEAS", "hotp"),
       ("HOTPLUG_SAVEAS_POWEROFF", "hotp"), ("HOTPLUG_SAVEAS_SUSPENDED", "hotp"), ("SHUTDOWN_UNDEPLOY", "shut"),
       ("EPILOG_UNDEPLOY", "epil"), ("PROLOG_UNDEPLOY", "prol"), ("BOOT_UNDEPLOY", "boot"),
       ("HOTPLUG_PROLOG_POWEROFF", "hotp"), ("HOTPLUG_EPILOG_POWEROFF", "hotp"), ("BOOT_MIGRATE", "boot"),
       ("BOOT_FAILURE", "fail"), ("BOOT_MIGRATE_FAILURE", "fail"), ("PROLOG_MIGRATE_FAILURE", "fail"),
       ("PROLOG_FAILURE", "fail"), ("EPILOG_FAILURE", "fail"), ("EPILOG_STOP_FAILURE", "fail"),
       ("EPILOG_UNDEPLOY_FAILURE", "fail"), ("PROLOG_MIGRATE_POWEROFF", "migr"),
       ("PROLOG_MIGRATE_POWEROFF_FAILURE", "fail"), ("PROLOG_MIGRATE_SUSPEND", "migr"),
       ("PROLOG_MIGRATE_SUSPEND_FAILURE", "fail"), ("BOOT_UNDEPLOY_FAILURE", "fail"),
       ("BOOT_STOPPED_FAILURE", "fail"), ("PROLOG_RESUME_FAILURE", "fail"), ("PROLOG_UNDEPLOY_FAILURE", "fail"),
       ("DISK_SNAPSHOT_POWEROFF", "snap"), ("DISK_SNAPSHOT_REVERT_POWEROFF", "snap"),
       ("DISK_SNAPSHOT_DELETE_POWEROFF", "snap"), ("DISK_SNAPSHOT_SUSPENDED", "snap"),
       ("DISK_SNAPSHOT_REVERT_SUSPENDED", "snap"), ("DISK_SNAPSHOT_DELETE_SUSPENDED", "snap"),
       ("DISK_SNAPSHOT", "snap"), ("DISK_SNAPSHOT_REVERT", "snap"), ("DISK_SNAPSHOT_DELETE", "snap"),
       ("PROLOG_MIGRATE_UNKNOWN", "migr"), ("PROLOG_MIGRATE_UNKNOWN_FAILURE", "fail"), ("DISK_RESIZE", "drsz"),
       ("DISK_RESIZE_POWEROFF", "drsz"), ("DISK_RESIZE_UNDEPLOYED", "drsz"), ("HOTPLUG_NIC_POWEROFF", "hotp"),
       ("HOTPLUG_RESIZE", "hotp"), ("HOTPLUG_SAVEAS_UNDEPLOYED", "hotp"), ("HOTPLUG_SAVEAS_STOPPED", "hotp"),
       ("BACKUP", "back"), ("BACKUP_POWEROFF", "back"), ("RESTORE", "rest"))

HOST = (("INIT", "init"), ("MONITORING_MONITORED", "update"), ("MONITORED", "on"), ("ERROR", "err"),
        ("DISABLED", "dsbl"), ("MONITORING_ERROR", "retry"), ("MONITORING_INIT", "init"),
        ("MONITORING_DISABLED", "dsbl"), ("OFFLINE", "off"))

IMAGE = (("INIT", "init"), ("READY", "rdy"), ("USED", "used"), ("DISABLED", "disa"), ("LOCKED", "lock"),
         ("ERROR", "err"), ("CLONE", "clon"), ("DELETE", "dele"), ("USED_PERS", "used"), ("LOCKED_USED", "lock"),
         ("LOCKED_USED_PERS", "lock"))
IMAGE_TYPE = (("OS", "OS"), ("CDROM", "CD"), ("DATABLOCK", "DB"), ("KERNEL", "KL"), ("RAMDISK", "RD"),
              ("CONTEXT", "CX"), ("BACKUP", "BK"))

VNET = (("INIT", "init"), ("READY", "rdy"), ("LOCK_CREATE", "lock"), ("LOCK_DELETE", "lock"), ("DONE", "done"),
        ("ERROR", "err"), ("UPDATE_FAILURE", "fail"))

DATASTORE = (("READY", "on"), ("DISABLED", "off"))
DATASTORE_TYPE = (("IMAGE", "img"), ("SYSTEM", "sys"), ("FILE", "fil"), ("BACKUP", "bck"))

MARKET = (("ENABLED", "on"), ("DISABLED", "off"))
MARKETAPP = (("INIT", "ini"), ("READY", "rdy"), ("LOCKED", "lck"), ("ERROR", "err"), ("DISABLED", "dis"))
MARKETAPP_TYPE = (("UNKNOWN", "unk"), ("IMAGE", "img"), ("VMTEMPLATE", "tpl"), ("SERVICE_TEMPLATE", "srv"))

HOOK_TYPE = ("api", "state")


def _entry(table: tuple[tuple[str, str], ...], number: str | int | None) -> tuple[str, str] | None:
    try:
        return table[int(number or 0)]
    except (ValueError, IndexError):
        return None


def name(table: tuple[tuple[str, str], ...], number: str | int | None) -> str:
    entry = _entry(table, number)
    return entry[0] if entry else str(number)


def short(table: tuple[tuple[str, str], ...], number: str | int | None) -> str:
    entry = _entry(table, number)
    return entry[1] if entry else str(number)


def vm_short(state: str | None, lcm: str | None) -> str:
    """The VM list's STAT: the LCM state's short name while ACTIVE, else the VM state's."""
    return short(LCM, lcm) if state == "3" else short(VM, state)


def vm_index(wanted: str) -> int:
    """A VM state number from its name (``poweroff`` -> 8), for ``--wait``."""
    return [n for n, _ in VM].index(wanted.upper())
