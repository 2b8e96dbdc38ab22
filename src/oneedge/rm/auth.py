"""Authentication of the ``user:secret`` session string every call starts with.

A secret is the user's password or one of its login tokens. Verifying a
password hash is deliberately slow, so a successful check is cached for a
while under a digest of the session string; any change to the user (password,
groups, enable, delete, tokens) drops its cached sessions.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from oneedge.db.store import Store
from oneedge.errors import authentication_error
from oneedge.pool.sqlpool import SQLPool
from oneedge.pool.user import User, verify_password
from oneedge.rm.request import AuthUser


@dataclass(frozen=True)
class _Session:
    user: AuthUser
    expires: float


class AuthManager:
    def __init__(self, store: Store, users: SQLPool[User], groups: SQLPool, cache_seconds: float = 900) -> None:
        self.store = store
        self.users = users
        self.groups = groups
        self.cache_seconds = cache_seconds
        self._sessions: dict[bytes, _Session] = {}
        self._lock = threading.Lock()
        # Bumped by every forget(): a check that read the user before a change
        # committed must not cache its (stale) answer after it.
        self._generation = 0

    def authenticate(self, session: str) -> AuthUser:
        key = hashlib.sha256(session.encode("utf-8", "surrogatepass")).digest()
        now = time.monotonic()
        cached = self._sessions.get(key)
        if cached is not None and cached.expires > now:
            return cached.user
        name, sep, secret = session.partition(":")
        if not sep or not name:
            raise authentication_error()
        generation = self._generation
        user = self._check(name, secret)
        with self._lock:
            if generation != self._generation:
                return user
            if len(self._sessions) > 10_000:
                self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            self._sessions[key] = _Session(user, now + self.cache_seconds)
        return user

    def _check(self, name: str, secret: str) -> AuthUser:
        with self.store.read() as conn:
            user = self.users.get_by_name(conn, name)
            if user is None or not user.enabled:
                raise authentication_error()
            egid = user.find_token(secret)
            if egid is None and not (user.driver == "core" and verify_password(secret, user.password)):
                raise authentication_error()
            gids = frozenset(user.groups) if egid in (None, -1) else frozenset({egid})
            gid = user.gid if egid in (None, -1) else egid
            group = self.groups.get(conn, gid)
        return AuthUser(user.oid, gid, gids, user.name, group.name)

    def forget(self, uid: int) -> None:
        """Drop every cached session of a user (after any change to it)."""
        with self._lock:
            self._generation += 1
            self._sessions = {k: s for k, s in self._sessions.items() if s.user.uid != uid}

