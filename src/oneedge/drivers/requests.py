"""The facts a driver action is given: plain frozen values, built by pure functions
(``oneedge.lcm.requests``) from the documents in the database."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class VmContext:
    """A VM where an action runs: its document and the placement the action is about."""

    vm_id: int
    #: The ``<VM>`` document as it was committed when the action started.
    document: str
    #: Host name of the placement (HISTORY/HOSTNAME) and its ``<HOST>`` document.
    host: str
    host_document: str
    host_id: int
    ds_id: int
    deploy_id: str = ""
    #: The placement before a migration (empty otherwise).
    previous_host: str = ""
    #: Attributes the dummy drivers read to fail, hang or slow down (DUMMY_* of the
    #: VM's USER_TEMPLATE, then of the host's TEMPLATE).
    script: dict[str, str] = field(default_factory=dict)
    #: Attributes of the networks of the VM's NICs by NETWORK_ID, for its context
    #: (``oneedge.context.script.context_sh``); filled for the steps that write it.
    networks: dict[int, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Transfer:
    """One line of OpenNebula's transfer script: an action of a TM_MAD on one disk.

    ``source`` and ``destination`` are ``host:path`` (or an image's SOURCE), as
    OpenNebula's TM actions receive them.
    """

    action: str
    tm_mad: str
    source: str
    destination: str
    disk_id: int = -1
    size_mb: int = 0
    format: str = ""


@dataclass(frozen=True)
class HostContext:
    """A host to monitor: its name, ID and ``<HOST>`` document."""

    host_id: int
    host: str
    document: str
    script: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HostMonitor:
    """What the IM driver measured: capacity in OpenNebula's units (CPU % of one core, memory KB)."""

    total_cpu: int
    total_memory: int
    used_cpu: int = 0
    used_memory: int = 0
    #: Monitored attributes added to the host's TEMPLATE (HYPERVISOR, CPUSPEED...).
    attributes: dict[str, str] = field(default_factory=dict)
    #: Monitored disk of the host's system datastores, MB.
    max_disk: int = 0
    free_disk: int = 0
