"""``one.document.*`` and ``one.documentpool.info``: generic documents owned by users.

As in OpenNebula, names need not be unique (not even per owner), a document
without NAME is called ``document-<id>``, and lock/unlock are the mutex that
OneFlow-style clients use around read-modify-write cycles.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from oneedge.errors import ErrorCode, RequestError, internal_error
from oneedge.pool.document import Document
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.api.shared import FILTER_ALL, ObjectAPI, parse_template
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import Template

#: ``one.documentpool.info``'s type argument that lists documents of every type.
ALL_TYPES = -1

_NAME_TOO_LONG = "NAME is too long; max length is 128 chars."


class DocumentAPI(ObjectAPI[Document]):
    KIND = ObjectType.DOCUMENT
    PREFIX = "one.document"
    POOL_PREFIX = "one.documentpool"
    POOL_ROOT = "DOCUMENT_POOL"
    VERBS = ("info", "update", "rename", "chown", "chmod", "lock", "unlock", "delete")

    def check_unique_name(self, conn: Connection, name: str, uid: int, oid: int = -1) -> None:
        """Documents may share names (DocumentRename and DocumentChown skip the check)."""

    def create(self, req: Request, conn: Connection, template: Template, doc_type: int) -> int:
        """A new document of the caller's from ``template`` (its NAME becomes the document's)."""
        name = template.get("NAME") or ""
        template.remove("NAME")
        if len(name) > 128:
            raise internal_error(_NAME_TOO_LONG)
        user = req.user
        perms = self.new_permissions(user.uid, user.gid)
        doc = Document.new(user.uid, user.gid, user.name, user.gname, name, doc_type, perms, template)
        oid = self.pool.allocate(conn, doc)
        if not name:
            doc.name = f"document-{oid}"
            self.pool.update(conn, doc)
        return oid

    def allocate(self, req: Request, text: str, doc_type: int) -> int:
        template = parse_template(text)
        req.authorize_create(ObjectType.DOCUMENT)
        with self.core.store.write() as conn:
            return self.create(req, conn, template, doc_type)

    def clone(self, req: Request, oid: int, name: str) -> int:
        """A copy of the document's template and type, owned by the caller."""
        with self.core.store.write() as conn:
            source = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.USE, source)
            req.authorize_create(ObjectType.DOCUMENT)
            template = source.template
            template.set("NAME", name)
            try:
                return self.create(req, conn, template, source.doc_type)
            except RequestError as exc:
                # Clone failures are ALLOCATE errors in OpenNebula (RequestManagerClone).
                raise RequestError(ErrorCode.ALLOCATE, f"Error allocating a new document. {exc.message}") from None

    def pool_info(self, req: Request, flag: int = FILTER_ALL, start: int = -1, end: int = -1,  # type: ignore[override]
                  doc_type: int = ALL_TYPES) -> str:
        where = self.pool_filter(req, flag, start, end)
        if doc_type != ALL_TYPES:
            by_type = self.pool.table.c.type == doc_type
            where = by_type if where is None else where & by_type
        offset, limit = (start, -end) if end < -1 else (0, -1)
        with self.core.store.read() as conn:
            bodies = self.pool_bodies(req, conn, where, offset, limit)
        return f"<DOCUMENT_POOL>{''.join(bodies)}</DOCUMENT_POOL>"

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.document.allocate", self.allocate, str, int),
            method("one.document.clone", self.clone, int, str),
            method("one.documentpool.info", self.pool_info, int, int, int, int),
        ]
