"""``one.vm.*`` records (allocate, info, update, rename, chown, chmod, lock, unlock) and
``one.vmpool.info``/``infoextended``/``infoset``.

Reads are built for speed: ``one.vm.info`` is ObjectAPI's (the stored body,
authorized from the row's columns); pool listings concatenate stored bodies
(the reduced one for ``one.vmpool.info``) without parsing any XML.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from oneedge.context.substitute import substitute
from oneedge.context.vars import ContextVariableError
from oneedge.errors import ErrorCode, RequestError, action_error, api_error, authorization_error
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.vm import VirtualMachine, VmState
from oneedge.pool.vmtemplate import (DEFAULT_VM_RESTRICTED_ATTR, InvalidTemplate, automatic_requirements,
                                     find_restricted, restricted_map, split_template)
from oneedge.rm.api.image import ImageAPI
from oneedge.rm.api.shared import FILTER_ALL, ObjectAPI
from oneedge.rm.api.vm_os import resolve_os_files
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import SingleAttribute, Template, TemplateError, parse_any

# one.vmpool.info state filter: any state, or any but DONE (RequestManagerPoolInfoFilter.h).
ALL_VM, NOT_DONE = -2, -1


class VMAPI(ObjectAPI[VirtualMachine]):
    KIND = ObjectType.VM
    PREFIX = "one.vm"
    POOL_PREFIX = "one.vmpool"
    POOL_ROOT = "VM_POOL"
    VERBS = ("info", "rename", "chown", "chmod", "lock", "unlock")

    # -- shared with VM templates ---------------------------------------------------------
    def restricted(self) -> dict[str, set[str]]:
        """VM_RESTRICTED_ATTR of oned.conf, or OpenNebula's defaults when it sets none."""
        names = [a.value for a in self.core.config.template.get_all("VM_RESTRICTED_ATTR")
                 if isinstance(a, SingleAttribute)]
        return restricted_map(names or DEFAULT_VM_RESTRICTED_ATTR)

    def create(self, conn: Connection, req: Request, tmpl: Template, hold: bool) -> int:
        """Allocate a VM from a checked template in the caller's transaction; return its ID.

        Raises InvalidTemplate for a template that cannot make a VM (the caller
        picks the error code, as OpenNebula's allocate and instantiate differ).
        """
        req.authorize_create(ObjectType.VM)
        resolve_os_files(conn, req, self.core.pools[ObjectType.IMAGE], tmpl)
        oid = self.core.store.next_oid(conn, self.pool.table.name)
        parts = split_template(tmpl, oid, hold)
        if parts.image_disks:
            images = self.image_api()
            for disk in parts.image_disks:
                images.acquire(conn, req, disk, oid)
        automatic_requirements(parts)
        state = VmState.HOLD if hold or parts.deploy_id else VmState.PENDING
        user = req.user
        vm = VirtualMachine.new(user.uid, user.gid, user.name, user.gname, parts.name, self.new_permissions(user.uid, user.gid),
                                state, parts.template, parts.user_template, int(time.time()))
        if parts.deploy_id:
            vm.deploy_id = parts.deploy_id
        if parts.template.get_all("CONTEXT"):
            # CONTEXT variables but the leases' (taken at deploy), as VirtualMachine::insert's parse_context.
            vm.oid = oid
            try:
                substitute(vm, self.core.pools[ObjectType.USER].get(conn, user.uid).body())
            except ContextVariableError as exc:
                raise InvalidTemplate(f"Error parsing CONTEXT: {exc}") from None
        return self.pool.allocate(conn, vm, oid)

    def image_api(self) -> ImageAPI:
        return self.core.api(ImageAPI)

    # -- verbs ------------------------------------------------------------------------------
    def allocate(self, req: Request, text: str, hold: bool = False) -> int:
        try:
            tmpl = parse_any(text)
        except TemplateError as exc:
            raise RequestError(ErrorCode.INTERNAL, f"Parse error: {exc}") from None
        if not req.user.is_admin:
            name = find_restricted(tmpl, self.restricted())
            if name is not None:
                raise authorization_error(req.user.uid, "virtual machine",
                                          f"VM Template includes a restricted attribute {name}")
        with self.core.store.write() as conn:
            try:
                return self.create(conn, req, tmpl, hold)
            except InvalidTemplate as exc:
                raise RequestError(ErrorCode.INTERNAL, str(exc)) from None

    def _pool(self, req: Request, flag: int, start: int, end: int, state: int, extended: bool,
              extra: sa.ColumnElement[bool] | None = None) -> str:
        if not ALL_VM <= state <= VmState.CLONING_FAILURE:
            raise api_error("Incorrect filter_flag, state")
        c = self.pool.table.c
        clauses = [w for w in (self.pool_filter(req, flag, start, end), extra) if w is not None]
        if state == NOT_DONE:
            clauses.append(c.state != VmState.DONE)
        elif state != ALL_VM:
            clauses.append(c.state == state)
        offset, limit = (start, -end) if end < -1 else (0, -1)
        query = sa.select(c.body if extended else c.short_body)
        with self.core.store.read() as conn:
            bodies = self._select_bodies(conn, query, sa.and_(*clauses) if clauses else None, offset, limit)
        return f"<VM_POOL>{''.join(bodies)}</VM_POOL>"

    def pool_info(self, req: Request, flag: int = FILTER_ALL, start: int = -1, end: int = -1,
                  state: int = NOT_DONE) -> str:
        return self._pool(req, flag, start, end, state, False)

    def pool_info_extended(self, req: Request, flag: int = FILTER_ALL, start: int = -1, end: int = -1,
                           state: int = NOT_DONE) -> str:
        return self._pool(req, flag, start, end, state, True)

    def pool_info_set(self, req: Request, ids: str, extended: bool = False) -> str:
        wanted = set()
        for part in ids.split(","):
            if part.strip():
                try:
                    wanted.add(int(part))
                except ValueError:
                    raise api_error(f"Wrong VM ID {part.strip()!r} in the ID list") from None
        if not wanted:
            return "<VM_POOL></VM_POOL>"
        return self._pool(req, FILTER_ALL, -1, -1, ALL_VM, extended, self.pool.table.c.oid.in_(sorted(wanted)))

    def update(self, req: Request, oid: int, text: str, mode: int = 0) -> int:
        """Replace (0) or merge (1) the USER_TEMPLATE; non-admins may not change restricted attributes."""
        if mode not in (0, 1):
            raise api_error("Wrong update type, must be 0 (replace) or 1 (merge)")
        try:
            new = parse_any(text)
        except TemplateError as exc:
            raise action_error(f"Parse error: {exc}", oid) from None
        with self.core.store.write() as conn:
            vm = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, vm)
            old = vm.user_template
            if not req.user.is_admin:
                name = find_restricted(new, self.restricted(), old, append=mode == 1)
                if name is not None:
                    raise action_error(f"User Template includes a restricted attribute {name}", oid)
            if mode == 1:
                old.merge(new)
                new = old
            vm.user_template = new
            self.pool.update(conn, vm)
        return oid

    def check_unique_name(self, conn: Connection, name: str, uid: int, oid: int = -1) -> None:
        """VM names need not be unique (OpenNebula numbers them, users copy them)."""

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.vm.allocate", self.allocate, str, bool),
            method("one.vm.update", self.update, int, str, int),
            method("one.vmpool.info", self.pool_info, int, int, int, int),
            method("one.vmpool.infoextended", self.pool_info_extended, int, int, int, int),
            method("one.vmpool.infoset", self.pool_info_set, str, bool),
        ]
