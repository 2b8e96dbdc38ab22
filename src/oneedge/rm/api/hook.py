"""``one.hook.*``, ``one.hookpool.info`` and ``one.hooklog.info``: hook records and their log.

Hooks are oneadmin's (creating one needs CREATE HOOK, which only admins have
by default). ``one.hook.info`` adds the hook's HOOKLOG; the pool leaves it
out. Running hooks belongs to the hook manager: it logs runs through
:meth:`HookAPI.record_execution` and takes retries through ``retry_handler``.
"""

from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from oneedge.errors import authorization_error, internal_error
from oneedge.pool import hook as hooks
from oneedge.pool import xml
from oneedge.pool.hook import DEFAULT_LOG_RETENTION, Hook, HookError
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.api.shared import ObjectAPI, parse_template
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import Template

#: Characters OpenNebula refuses in object names (PoolObjectSQL::INVALID_NAME_CHARS).
_INVALID_NAME_CHARS = set("&|:\\\";/'#{}$<>\t\n\v\f\r")

#: Runs a hook again: (hook, the logged run's ARGUMENTS, its REMOTE_HOST or None).
RetryHandler = Callable[[Hook, str, str | None], None]


def _valid_name(name: str) -> bool:
    return 0 < len(name) <= 128 and not _INVALID_NAME_CHARS.intersection(name)


class HookAPI(ObjectAPI[Hook]):
    KIND = ObjectType.HOOK
    PREFIX = "one.hook"
    POOL_PREFIX = "one.hookpool"
    POOL_ROOT = "HOOK_POOL"
    VERBS = ("info", "pool_info", "update", "rename", "lock", "unlock", "delete")
    NAME_PER_OWNER = False

    def __init__(self, core) -> None:
        super().__init__(core)
        #: Set by the hook manager; until then ``one.hook.retry`` refuses to retry.
        self.retry_handler: RetryHandler | None = None

    @property
    def log_retention(self) -> int:
        """HOOK_LOG_CONF/LOG_RETENTION of oned.conf: records kept per hook."""
        for conf in self.core.config.template.vectors("HOOK_LOG_CONF"):
            value = conf.get("LOG_RETENTION")
            if value:
                return int(value)
        return DEFAULT_LOG_RETENTION

    # -- hooks of the shared verbs ----------------------------------------------------------
    def document(self, req: Request, conn: Connection, obj: Hook) -> str:
        body = obj.body()
        log = hooks.hook_log(conn, hooks.log_table.c.hkid == obj.oid)
        return body[: body.rindex("</HOOK>")] + log + "</HOOK>"

    def check_update(self, req: Request, conn: Connection, obj: Hook, template: Template) -> None:
        try:
            hooks.check_template(template, obj.hook_type)
        except HookError as exc:
            raise internal_error(f"Cannot update template. {exc}") from None

    def before_delete(self, req: Request, conn: Connection, obj: Hook) -> None:
        hooks.drop_log(conn, obj.oid)

    # -- for the hook manager ------------------------------------------------------------------
    def record_execution(self, conn: Connection, hook_id: int, rc: int, arguments: str, command: str,
                         stdout: str, stderr: str, remote_host: str | None = None, retry: bool = False) -> int:
        """Log a run of hook ``hook_id`` in the caller's write transaction; returns its execution ID."""
        self.get(conn, hook_id)
        return hooks.record_execution(conn, hook_id, rc, arguments, command, stdout, stderr, remote_host, retry,
                                      self.log_retention)

    # -- verbs -----------------------------------------------------------------------------------
    def allocate(self, req: Request, text: str) -> int:
        template = parse_template(text)
        req.authorize_create(ObjectType.HOOK)
        name = template.get("NAME") or ""
        try:
            hook_type = hooks.parse_type(template.get("TYPE"))
        except HookError as exc:
            raise internal_error(str(exc)) from None
        if not _valid_name(name):
            raise internal_error("Invalid name.")
        with self.core.store.write() as conn:
            other = self.pool.get_by_name(conn, name)
            if other is not None:
                raise internal_error(f"NAME is already taken by Hook {other.oid}.")
            template.remove("NAME")
            template.remove("TYPE")
            try:
                hooks.check_template(template, hook_type)
            except HookError as exc:
                raise internal_error(str(exc)) from None
            return self.pool.allocate(conn, Hook.new(name, hook_type, template))

    def retry(self, req: Request, hook_id: int, exec_id: int) -> int:
        """Run a logged execution again, with the same arguments, through the hook manager."""
        with self.core.store.read() as conn:
            hook = self.get(conn, hook_id)
            self.authorize(req, conn, AuthOp.MANAGE, hook)
            record = hooks.execution(conn, hook_id, exec_id)
        if record is None:
            raise internal_error(f"Hook {hook_id} has no execution {exec_id} in its log.")
        if self.retry_handler is None:
            raise internal_error("Cannot retry: no hook manager is running in this front-end.")
        root = xml.parse(record)
        self.retry_handler(hook, root.findtext("ARGUMENTS", ""), root.findtext("REMOTE_HOST"))
        return hook_id

    def log_info(self, req: Request, min_ts: int, max_ts: int, hook_id: int, rc: int) -> str:
        """Execution records: after ``min_ts``, before ``max_ts`` (-1: unbounded), of one hook
        (-1: all), failed (``rc`` -1), succeeded (1) or both (0). Admins only."""
        if not req.user.is_admin:
            raise authorization_error(req.user.uid, ObjectType.HOOK.label)
        log = hooks.log_table
        clauses: list[sa.ColumnElement[bool]] = []
        if min_ts >= 0:
            clauses.append(log.c.timestamp > min_ts)
        if max_ts >= 0:
            clauses.append(log.c.timestamp < max_ts)
        if hook_id >= 0:
            clauses.append(log.c.hkid == hook_id)
        if rc == -1:
            clauses.append(log.c.rc != 0)
        elif rc == 1:
            clauses.append(log.c.rc == 0)
        with self.core.store.read() as conn:
            return hooks.hook_log(conn, sa.and_(*clauses) if clauses else None)

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.hook.allocate", self.allocate, str),
            method("one.hook.retry", self.retry, int, int),
            method("one.hooklog.info", self.log_info, int, int, int, int),
        ]
