"""Finding the front-end and the credentials the CLI talks to.

``oneedge up`` calls :func:`announce` once it listens and :func:`withdraw`
when it stops; the ``one*`` commands call :func:`discover`.  The
announcement is a small file, ``$XDG_RUNTIME_DIR/oneedge/frontend`` (or
``/tmp/oneedge-$UID/frontend`` without ``XDG_RUNTIME_DIR``), holding two
lines: the endpoint URL and the front-end's home directory, whose
``one_auth`` holds the oneadmin credentials.

Precedence, as OpenNebula's own tools plus the announcement:

* endpoint: ``ONE_XMLRPC``, else the announced endpoint (when its home still
  has a ``one_auth``), else ``http://localhost:2633/RPC2``;
* credentials: the file named by ``ONE_AUTH``, else ``~/.one/one_auth``,
  else the announced home's ``one_auth``.

Command-line options (``--endpoint``, ``--user``, ``--password``) override
both; that is the caller's business.
"""

from __future__ import annotations

import os

DEFAULT_ENDPOINT = "http://localhost:2633/RPC2"


class Target:
    """Where to connect, the ``user:password`` secret (None when no file was found)
    and the file the secret came from (for error messages)."""

    __slots__ = ("endpoint", "secret", "auth_file")

    def __init__(self, endpoint: str, secret: str | None, auth_file: str | None) -> None:
        self.endpoint = endpoint
        self.secret = secret
        self.auth_file = auth_file


def announcement_file() -> str:
    """The file :func:`announce` writes for this user."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "oneedge", "frontend")
    return f"/tmp/oneedge-{os.getuid()}/frontend"


def announce(endpoint: str, home: str | os.PathLike[str]) -> str:
    """Record that a front-end answers at ``endpoint`` with its state in ``home``.

    The directory is created private (0700) and the file is replaced
    atomically, so a reader never sees half of it. Returns the file written.
    """
    path = announcement_file()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as out:
        out.write(f"{endpoint}\n{os.path.realpath(home)}\n")
    os.replace(tmp, path)
    return path


def withdraw(endpoint: str | None = None) -> None:
    """Remove the announcement; with ``endpoint``, only if it is still that front-end's
    (another front-end started later keeps its own)."""
    path = announcement_file()
    try:
        if endpoint is not None and _read(path).split("\n", 1)[0] != endpoint:
            return
        os.unlink(path)
    except FileNotFoundError:
        pass


def _read(path: str) -> str:
    with open(path) as file:
        return file.read()


def announced() -> tuple[str, str] | None:
    """The announced (endpoint, home), or None if nothing valid is announced."""
    try:
        lines = _read(announcement_file()).splitlines()
    except OSError:
        return None
    if len(lines) < 2 or not lines[0] or not lines[1]:
        return None
    if not os.path.isfile(os.path.join(lines[1], "one_auth")):
        return None
    return lines[0], lines[1]


def _read_secret(path: str) -> str | None:
    try:
        text = _read(path)
    except OSError:
        return None
    return text.strip().splitlines()[0] if text.strip() else None


def discover() -> Target:
    """The endpoint and credentials to use, by the precedence in the module docstring.

    An ``ONE_AUTH`` naming an unreadable file yields ``secret=None`` with that
    file as ``auth_file`` (the caller reports it), never a fallback.
    """
    env = os.environ
    found = None if env.get("ONE_XMLRPC") else announced()
    endpoint = env.get("ONE_XMLRPC") or (found[0] if found else DEFAULT_ENDPOINT)
    if env.get("ONE_AUTH"):
        path = os.path.expanduser(env["ONE_AUTH"])
        return Target(endpoint, _read_secret(path), path)
    path = os.path.expanduser("~/.one/one_auth")
    if os.path.isfile(path):
        return Target(endpoint, _read_secret(path), path)
    found = found or announced()
    if found:
        path = os.path.join(found[1], "one_auth")
        return Target(endpoint, _read_secret(path), path)
    return Target(endpoint, None, None)
