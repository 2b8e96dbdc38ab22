"""Hooks: ``<HOOK>`` records (hook.xsd), the rules their templates follow, and the hook log.

A hook runs COMMAND when an API call completes (TYPE = api, CALL names the
method) or when a resource enters a state (TYPE = state, RESOURCE and its
STATE/LCM_STATE). This module only keeps the records; executing them is the
hook manager's job, which reports each run through :func:`record_execution`.
"""

from __future__ import annotations

import base64
import re
import time
from enum import Enum, IntEnum
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from oneedge.db.schema import metadata, pool_table
from oneedge.pool import xml
from oneedge.pool.host import HostState
from oneedge.pool.image import ImageState
from oneedge.pool.object import AdminOwned, PoolObject
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import LcmState, VmState
from oneedge.pool.vnet import VNetState
from oneedge.template import Template

table = pool_table("hook_pool", sa.Column("type", sa.Integer, nullable=False))

#: One HOOK_EXECUTION_RECORD per run: hook, execution number, time, return code.
log_table = sa.Table(
    "hook_log",
    metadata,
    sa.Column("hkid", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("exeid", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False, index=True),
    sa.Column("rc", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

#: Execution records kept per hook unless oned.conf's HOOK_LOG_CONF says otherwise.
DEFAULT_LOG_RETENTION = 20


class HookType(IntEnum):
    """``Hook::HookType``; the document shows the lower-case name."""

    STATE = 0x01
    API = 0x02


class HookError(ValueError):
    """A hook template OpenNebula would refuse; the message says why."""


# API calls a hook cannot follow: reads, which change nothing (HookAPI::unsupported_calls).
UNSUPPORTED_CALLS = frozenset(
    [f"one.{kind}.info" for kind in ("vm", "template", "host", "group", "vn", "user", "datastore", "image",
                                      "vntemplate", "cluster", "document", "zone", "secgroup", "vmgroup", "vdc",
                                      "vrouter", "market", "marketapp", "hook")]
    + [f"one.{kind}pool.info" for kind in ("vm", "template", "host", "group", "vn", "user", "datastore", "image",
                                            "vntemplate", "cluster", "document", "zone", "secgroup", "vmgroup",
                                            "vdc", "vrouter", "market", "marketapp", "hook")]
    + ["one.vmpool.infoextended", "one.groupquota.info", "one.userquota.info", "one.acl.info", "one.hooklog.info"]
)
_CALL = re.compile(r"one\.[a-z]+\.[a-z]+")

# ON shortcuts of VM state hooks (HookStateVM::parse_template).
_VM_ON = {
    "PROLOG": (VmState.ACTIVE, LcmState.PROLOG),
    "RUNNING": (VmState.ACTIVE, LcmState.RUNNING),
    "SHUTDOWN": (VmState.ACTIVE, LcmState.EPILOG),
    "STOP": (VmState.STOPPED, LcmState.LCM_INIT),
    "DONE": (VmState.DONE, LcmState.LCM_INIT),
    "UNKNOWN": (VmState.ACTIVE, LcmState.UNKNOWN),
}


def _state(enum: type[Enum], template: Template, attribute: str, refused: tuple[str, ...] = ()) -> str:
    """The canonical name of ``template[attribute]`` in ``enum``; HookError if it is not one."""
    text = (template.get(attribute) or "").strip().upper()
    if text not in enum.__members__ or text in refused:
        raise HookError(f"Invalid {attribute}: {template.get(attribute) or ''}")
    return text


def _vm_condition(template: Template) -> None:
    """ON = PROLOG|RUNNING|SHUTDOWN|STOP|DONE|UNKNOWN, or STATE and LCM_STATE (ON = CUSTOM or none)."""
    on = (template.get("ON") or "CUSTOM").strip().upper()
    template.remove("ON")
    if on == "CUSTOM":
        state, lcm = _state(VmState, template, "STATE"), _state(LcmState, template, "LCM_STATE")
    elif on in _VM_ON:
        state, lcm = (value.name for value in _VM_ON[on])
    else:
        raise HookError(f"Unknown state condition: {on}")
    template.set("STATE", state)
    template.set("LCM_STATE", lcm)


def _condition(enum: type[Enum], refused: tuple[str, ...] = ()) -> Callable[[Template], None]:
    def check(template: Template) -> None:
        template.set("STATE", _state(enum, template, "STATE", refused))
    return check


#: How a state hook's condition is checked and normalised, by RESOURCE.
STATE_RESOURCES: dict[str, Callable[[Template], None]] = {
    "VM": _vm_condition,
    # Host hooks follow the stable states only (Host::str_to_state).
    "HOST": _condition(HostState, ("MONITORING_MONITORED", "MONITORING_ERROR", "MONITORING_INIT",
                                   "MONITORING_DISABLED")),
    "IMAGE": _condition(ImageState, ("INIT",)),
    "NET": _condition(VNetState, ("INIT",)),
}


def check_template(template: Template, hook_type: HookType) -> None:
    """Check and normalise what every hook template needs; raise HookError otherwise.

    COMMAND is required, REMOTE becomes YES or NO. API hooks name a CALL that
    changes something. State hooks name a RESOURCE and its condition.
    """
    command = template.get("COMMAND") or ""
    if not command:
        raise HookError("No COMMAND in template for Hook.")
    remote = (template.get("REMOTE") or "").strip().upper() == "YES"
    for name, value in (("COMMAND", command), ("REMOTE", "YES" if remote else "NO")):
        template.remove(name)
        template.set(name, value)
    if hook_type is HookType.API:
        # NOTE: any one.<object>.<verb> is accepted: the method table is built
        # after the API classes, so whether the method exists is not checked.
        call = (template.get("CALL") or "").strip()
        if not _CALL.fullmatch(call) or call in UNSUPPORTED_CALLS:
            raise HookError(f"API call does not exist or is not supported: {call}")
        template.remove("CALL")
        template.set("CALL", call)
        return
    resource = template.get("RESOURCE") or ""
    if not resource:
        raise HookError("RESOURCE attribute is required for STATE hooks.")
    if resource not in STATE_RESOURCES:
        raise HookError(f"Invalid resource type: {resource}")
    STATE_RESOURCES[resource](template)


def parse_type(text: str | None) -> HookType:
    try:
        return HookType[(text or "").strip().upper()]
    except KeyError:
        raise HookError(f"Invalid Hook type: {text or ''}") from None


class Hook(AdminOwned, PoolObject):
    TABLE = table
    TYPE = ObjectType.HOOK
    ROOT = "HOOK"
    # NOTE: oned shows LOCK after TYPE (Hook::_to_xml) although hook.xsd omits it.
    LOCK_AFTER = "TYPE"

    @classmethod
    def new(cls, name: str, hook_type: HookType, template: Template) -> Hook:
        root = xml.element("HOOK", ID=-1, NAME=name, TYPE=hook_type.name.lower())
        root.append(template.to_xml())
        return cls(root)


    @property
    def hook_type(self) -> HookType:
        return HookType[(self.get("TYPE") or "").upper()]

    def columns(self) -> dict[str, object]:
        return {"type": int(self.hook_type)}


# -- the hook log -------------------------------------------------------------------------
def record_execution(conn: Connection, hook_id: int, rc: int, arguments: str, command: str, stdout: str,
                     stderr: str, remote_host: str | None = None, retry: bool = False,
                     retention: int = DEFAULT_LOG_RETENTION, timestamp: int | None = None) -> int:
    """Log one run of a hook and return its execution ID (the hook manager's entry point).

    ``arguments`` is what the command received; ``stdout`` and ``stderr`` are
    stored base64-encoded, as OpenNebula's executor sends them. Only the
    ``retention`` most recent records of the hook are kept.
    """
    log = log_table
    last, count = conn.execute(
        sa.select(sa.func.coalesce(sa.func.max(log.c.exeid), -1), sa.func.count()).where(log.c.hkid == hook_id)
    ).one()
    exeid = last + 1
    when = int(time.time()) if timestamp is None else timestamp
    encode = base64.b64encode
    record = xml.element("HOOK_EXECUTION_RECORD", HOOK_ID=hook_id, EXECUTION_ID=exeid, TIMESTAMP=when,
                         ARGUMENTS=arguments)
    record.append(xml.element("EXECUTION_RESULT", COMMAND=command, STDOUT=encode(stdout.encode()).decode(),
                              STDERR=encode(stderr.encode()).decode(), CODE=rc))
    if remote_host is not None:
        xml.sub(record, "REMOTE_HOST", remote_host)
    if retry:
        xml.sub(record, "RETRY", "YES")
    conn.execute(sa.insert(log).values(hkid=hook_id, exeid=exeid, timestamp=when, rc=rc, body=xml.tostring(record)))
    if count + 1 > retention:
        conn.execute(sa.delete(log).where(log.c.hkid == hook_id, log.c.exeid <= exeid - retention))
    return exeid


def execution(conn: Connection, hook_id: int, exec_id: int) -> str | None:
    """The HOOK_EXECUTION_RECORD of one run, if it is (still) logged."""
    log = log_table
    query = sa.select(log.c.body).where(log.c.hkid == hook_id, log.c.exeid == exec_id)
    return conn.execute(query).scalar_one_or_none()


def hook_log(conn: Connection, where: sa.ColumnElement[bool] | None = None) -> str:
    """``<HOOKLOG>`` of the records matching ``where``: newest hooks first, runs in order."""
    query = sa.select(log_table.c.body).order_by(log_table.c.hkid.desc(), log_table.c.exeid)
    if where is not None:
        query = query.where(where)
    return f"<HOOKLOG>{''.join(conn.execute(query).scalars())}</HOOKLOG>"


def drop_log(conn: Connection, hook_id: int) -> None:
    conn.execute(sa.delete(log_table).where(log_table.c.hkid == hook_id))
