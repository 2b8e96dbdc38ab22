"""Users: ``<USER>`` documents (user.xsd), password hashes and login tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from lxml import etree

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.types import ObjectType

table = pool_table("user_pool")

ONEADMIN_UID, SERVERADMIN_UID = 0, 1
FIRST_UID = 2

_ITERATIONS = 100_000


def hash_password(password: str, iterations: int = _ITERATIONS) -> str:
    """A salted PBKDF2-SHA256 hash, stored as ``pbkdf2_sha256$iterations$salt$digest``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    encode = base64.b64encode
    return f"pbkdf2_sha256${iterations}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    computed = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    return hmac.compare_digest(computed, base64.b64decode(digest))


def token_digest(token: str) -> str:
    """Login tokens are stored as their SHA-256: the document never holds a usable secret."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(PoolObject):
    TABLE = table
    FIRST_OID = FIRST_UID
    TYPE = ObjectType.USER
    ROOT = "USER"

    @classmethod
    def new(cls, name: str, gid: int, gname: str, password_hash: str, driver: str = "core") -> User:
        root = xml.element("USER", ID=-1, GID=gid)
        root.append(xml.ids("GROUPS", [gid]))
        for tag, value in (("GNAME", gname), ("NAME", name), ("PASSWORD", password_hash),
                           ("AUTH_DRIVER", driver), ("ENABLED", 1)):
            xml.sub(root, tag, value)
        root.append(etree.Element("TEMPLATE"))
        return cls(root)

    @property
    def gid(self) -> int:
        return self.get_int("GID", -1)

    @property
    def groups(self) -> set[int]:
        return xml.id_set(self.root.find("GROUPS"))

    def set_groups(self, gids: set[int]) -> None:
        self.root.replace(self.root.find("GROUPS"), xml.ids("GROUPS", gids))

    def set_group(self, gid: int, gname: str) -> None:
        self.set("GID", gid)
        self.set("GNAME", gname)

    @property
    def enabled(self) -> bool:
        return self.get("ENABLED") == "1"

    @property
    def password(self) -> str:
        return self.get("PASSWORD", "") or ""

    @property
    def driver(self) -> str:
        return self.get("AUTH_DRIVER", "core") or "core"

    # -- login tokens ------------------------------------------------------------------
    def tokens(self) -> list[tuple[str, int, int]]:
        """(digest, expiration time or -1, effective group or -1) of every token."""
        return [
            (node.findtext("TOKEN", ""), int(node.findtext("EXPIRATION_TIME", "0")), int(node.findtext("EGID", "-1")))
            for node in self.root.iterfind("LOGIN_TOKEN")
        ]

    def add_token(self, digest: str, expires: int, egid: int) -> None:
        node = xml.element("LOGIN_TOKEN", TOKEN=digest, EXPIRATION_TIME=expires, EGID=egid)
        anchor = list(self.root.iterfind("LOGIN_TOKEN"))
        (anchor[-1] if anchor else self.root.find("ENABLED")).addnext(node)

    def remove_tokens(self, digest: str | None = None, expired_before: int | None = None) -> int:
        removed = 0
        for node in list(self.root.iterfind("LOGIN_TOKEN")):
            expires = int(node.findtext("EXPIRATION_TIME", "0"))
            if (digest is not None and node.findtext("TOKEN") == digest) or (
                expired_before is not None and expires != -1 and expires < expired_before
            ):
                self.root.remove(node)
                removed += 1
        return removed

    def find_token(self, token: str, now: float | None = None) -> int | None:
        """The token's effective group (-1 for all) if it is valid now, else None."""
        digest = token_digest(token)
        now = time.time() if now is None else now
        for stored, expires, egid in self.tokens():
            if hmac.compare_digest(stored, digest) and (expires == -1 or expires > now):
                return egid
        return None
