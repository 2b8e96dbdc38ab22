"""The vocabulary of the VM state table: events, effects and driver steps.

Events are what happens to a VM: a user action (``one.vm.action`` and the
other ``one.vm.*`` verbs), or the outcome of the driver step its state waits
for (``SUCCESS``/``FAILURE``), or what monitoring saw. Effects are the
consistency work a transition does in its transaction (capacity, leases,
images, history). Steps are the driver work started after it commits.
"""

from __future__ import annotations

from enum import Enum

from oneedge.pool.vm import HistoryAction


class Event(Enum):
    # -- one.vm.action ------------------------------------------------------------
    TERMINATE = "terminate"
    TERMINATE_HARD = "terminate-hard"
    UNDEPLOY = "undeploy"
    UNDEPLOY_HARD = "undeploy-hard"
    POWEROFF = "poweroff"
    POWEROFF_HARD = "poweroff-hard"
    REBOOT = "reboot"
    REBOOT_HARD = "reboot-hard"
    HOLD = "hold"
    RELEASE = "release"
    STOP = "stop"
    SUSPEND = "suspend"
    RESUME = "resume"
    RESCHED = "resched"
    UNRESCHED = "unresched"
    # -- other verbs --------------------------------------------------------------
    #: one.vm.deploy of a new VM, of a stopped one (its disks come back from the
    #: front-end) and of an undeployed one; the API picks by the last history ACTION.
    DEPLOY = "deploy"
    DEPLOY_RESUME = "deploy-resume"
    DEPLOY_UNDEPLOYED = "deploy-undeployed"
    MIGRATE = "migrate"
    #: one.vm.migrate types 1 and 2: the VM is shut down (or cancelled) and boots again on the new host.
    MIGRATE_POWEROFF = "migrate-poweroff"
    MIGRATE_POWEROFF_HARD = "migrate-poweroff-hard"
    LIVE_MIGRATE = "live-migrate"
    DISK_ATTACH = "disk-attach"
    DISK_DETACH = "disk-detach"
    NIC_ATTACH = "nic-attach"
    NIC_DETACH = "nic-detach"
    RESIZE = "resize"
    SNAPSHOT_CREATE = "snapshot-create"
    SNAPSHOT_REVERT = "snapshot-revert"
    SNAPSHOT_DELETE = "snapshot-delete"
    #: one.vm.diskresize, disksaveas and disksnapshotcreate/revert/delete (see oneedge.lcm.disks).
    DISK_RESIZE = "disk-resize"
    DISK_SAVEAS = "disk-saveas"
    DISK_SNAPSHOT_CREATE = "disk-snapshot-create"
    DISK_SNAPSHOT_REVERT = "disk-snapshot-revert"
    DISK_SNAPSHOT_DELETE = "disk-snapshot-delete"
    RECOVER_SUCCESS = "recover-success"
    RECOVER_FAILURE = "recover-failure"
    RETRY = "retry"
    DELETE = "delete"
    DELETE_RECREATE = "delete-recreate"
    # -- drivers and monitoring -----------------------------------------------------
    SUCCESS = "success"
    FAILURE = "failure"
    #: Monitoring lost the VM (its host failed) / found it running again.
    MONITOR_LOST = "monitor-lost"
    MONITOR_FOUND = "monitor-found"
    #: The host reports the VM powered off (guest shut down, hypervisor process gone).
    MONITOR_POWEROFF = "monitor-poweroff"


#: Events that come from users, with the history ACTION they record (VMActions.h).
USER_ACTIONS: dict[Event, HistoryAction] = {
    Event.TERMINATE: HistoryAction.TERMINATE, Event.TERMINATE_HARD: HistoryAction.TERMINATE_HARD,
    Event.UNDEPLOY: HistoryAction.UNDEPLOY, Event.UNDEPLOY_HARD: HistoryAction.UNDEPLOY_HARD,
    Event.POWEROFF: HistoryAction.POWEROFF, Event.POWEROFF_HARD: HistoryAction.POWEROFF_HARD,
    Event.REBOOT: HistoryAction.REBOOT, Event.REBOOT_HARD: HistoryAction.REBOOT_HARD,
    Event.HOLD: HistoryAction.HOLD, Event.RELEASE: HistoryAction.RELEASE, Event.STOP: HistoryAction.STOP,
    Event.SUSPEND: HistoryAction.SUSPEND, Event.RESUME: HistoryAction.RESUME,
    Event.RESCHED: HistoryAction.RESCHED, Event.UNRESCHED: HistoryAction.UNRESCHED,
    Event.DEPLOY: HistoryAction.DEPLOY, Event.DEPLOY_RESUME: HistoryAction.DEPLOY,
    Event.DEPLOY_UNDEPLOYED: HistoryAction.DEPLOY,
    Event.MIGRATE: HistoryAction.MIGRATE, Event.LIVE_MIGRATE: HistoryAction.LIVE_MIGRATE,
    Event.MIGRATE_POWEROFF: HistoryAction.POFF_MIGRATE, Event.MIGRATE_POWEROFF_HARD: HistoryAction.POFF_HARD_MIGRATE,
    Event.DISK_ATTACH: HistoryAction.DISK_ATTACH, Event.DISK_DETACH: HistoryAction.DISK_DETACH,
    Event.NIC_ATTACH: HistoryAction.NIC_ATTACH, Event.NIC_DETACH: HistoryAction.NIC_DETACH,
    Event.RESIZE: HistoryAction.RESIZE, Event.SNAPSHOT_CREATE: HistoryAction.SNAPSHOT_CREATE,
    Event.SNAPSHOT_REVERT: HistoryAction.SNAPSHOT_REVERT, Event.SNAPSHOT_DELETE: HistoryAction.SNAPSHOT_DELETE,
    Event.DISK_RESIZE: HistoryAction.DISK_RESIZE, Event.DISK_SAVEAS: HistoryAction.DISK_SAVEAS,
    Event.DISK_SNAPSHOT_CREATE: HistoryAction.DISK_SNAPSHOT_CREATE,
    Event.DISK_SNAPSHOT_REVERT: HistoryAction.DISK_SNAPSHOT_REVERT,
    Event.DISK_SNAPSHOT_DELETE: HistoryAction.DISK_SNAPSHOT_DELETE,
    Event.RECOVER_SUCCESS: HistoryAction.RECOVER, Event.RECOVER_FAILURE: HistoryAction.RECOVER,
    Event.RETRY: HistoryAction.RETRY, Event.DELETE: HistoryAction.DELETE,
    Event.DELETE_RECREATE: HistoryAction.DELETE_RECREATE,
}

#: How OpenNebula words a refused action: "Could not <verb> VM 5, wrong state RUNNING."
VERBS: dict[Event, str] = {
    Event.TERMINATE: "terminate", Event.TERMINATE_HARD: "terminate", Event.UNDEPLOY: "undeploy",
    Event.UNDEPLOY_HARD: "undeploy", Event.POWEROFF: "power off", Event.POWEROFF_HARD: "power off",
    Event.REBOOT: "reboot", Event.REBOOT_HARD: "reboot", Event.HOLD: "hold", Event.RELEASE: "release",
    Event.STOP: "stop", Event.SUSPEND: "suspend", Event.RESUME: "resume",
    Event.RESCHED: "set rescheduling flag for", Event.UNRESCHED: "set rescheduling flag for",
    Event.DEPLOY: "deploy", Event.DEPLOY_RESUME: "deploy", Event.DEPLOY_UNDEPLOYED: "deploy",
    Event.MIGRATE: "migrate", Event.MIGRATE_POWEROFF: "migrate", Event.MIGRATE_POWEROFF_HARD: "migrate",
    Event.LIVE_MIGRATE: "live-migrate",
    Event.DISK_ATTACH: "attach a new disk to", Event.DISK_DETACH: "detach disk from",
    Event.NIC_ATTACH: "attach a new NIC to", Event.NIC_DETACH: "detach NIC from", Event.RESIZE: "resize",
    Event.SNAPSHOT_CREATE: "create a new snapshot for", Event.SNAPSHOT_REVERT: "revert",
    Event.SNAPSHOT_DELETE: "delete snapshot of", Event.DISK_RESIZE: "resize disk for",
    Event.DISK_SAVEAS: "save a disk of", Event.DISK_SNAPSHOT_CREATE: "create a new snapshot for",
    Event.DISK_SNAPSHOT_REVERT: "revert to disk snapshot for", Event.DISK_SNAPSHOT_DELETE: "delete disk snapshot from",
    Event.RECOVER_SUCCESS: "perform a recover operation on",
    Event.RECOVER_FAILURE: "perform a recover operation on", Event.RETRY: "perform a retry on",
    Event.DELETE: "delete", Event.DELETE_RECREATE: "delete-recreate",
}


class Effect(Enum):
    """Consistency work done in the transition's transaction (see ``oneedge.lcm.effects``)."""

    ADD_CAPACITY = "add-capacity"            # the VM counts on its current host
    DEL_CAPACITY = "del-capacity"            # ... no longer
    DEL_PREVIOUS_CAPACITY = "del-previous"   # a migration left the previous host
    TAKE_LEASES = "take-leases"              # NICs get addresses from their networks
    RELEASE_LEASES = "release-leases"
    RELEASE_IMAGES = "release-images"        # the VM is gone: its images are free again
    CLOSE_HISTORY = "close-history"          # the placement ends (ETIME)
    REVERT_MIGRATION = "revert-migration"    # a failed migration: back on the previous host
    SET_RESCHED = "set-resched"
    CLEAR_RESCHED = "clear-resched"
    HOTPLUG_COMMIT = "hotplug-commit"        # the pending attach/detach/snapshot/resize is done
    HOTPLUG_ROLLBACK = "hotplug-rollback"    # ... failed: undo it in the document
    DISK_COMMIT = "disk-commit"              # the pending disk resize/save-as/snapshot is done
    DISK_ROLLBACK = "disk-rollback"          # ... failed: undo it in the document (and its image)
    SET_DEPLOY_ID = "set-deploy-id"          # the driver named the VM (deploy, restore)
    ERROR = "error"                          # the driver's message goes to USER_TEMPLATE/ERROR


class Step(Enum):
    """Driver work a state waits for; its outcome comes back as SUCCESS or FAILURE."""

    PROLOG = "prolog"
    PROLOG_RESUME = "prolog_resume"
    PROLOG_MIGRATE = "prolog_migrate"
    EPILOG = "epilog"
    EPILOG_LOCAL = "epilog_local"            # disks already on the front-end (stopped, undeployed)
    EPILOG_STOP = "epilog_stop"
    EPILOG_POWEROFF = "epilog_poweroff"      # powered off, maybe by monitoring: cleans the host first
    DEPLOY = "deploy"
    RESTORE = "restore"
    SHUTDOWN = "shutdown"
    CANCEL = "cancel"
    SAVE = "save"
    MIGRATE = "migrate"
    REBOOT = "reboot"
    RESET = "reset"
    ATTACH_DISK = "attach_disk"
    DETACH_DISK = "detach_disk"
    PROLOG_ATTACH = "prolog_attach"          # a disk attached while powered off
    EPILOG_DETACH = "epilog_detach"
    ATTACH_NIC = "attach_nic"
    DETACH_NIC = "detach_nic"
    SNAPSHOT_CREATE = "snapshot_create"
    SNAPSHOT_REVERT = "snapshot_revert"
    SNAPSHOT_DELETE = "snapshot_delete"
    RESIZE = "resize"
    #: Disk operations (``oneedge.lcm.disks``): a running VM's resize and snapshot go through the
    #: VMM driver, the rest are one transfer line of the disk's TM_MAD.
    DISK_RESIZE = "disk_resize"
    DISK_RESIZE_OFFLINE = "disk_resize_offline"
    DISK_SAVEAS = "disk_saveas"
    DISK_SNAPSHOT_LIVE = "disk_snapshot_live"
    DISK_SNAPSHOT_CREATE = "disk_snapshot_create"
    DISK_SNAPSHOT_REVERT = "disk_snapshot_revert"
    DISK_SNAPSHOT_DELETE = "disk_snapshot_delete"
    CLEANUP = "cleanup"
