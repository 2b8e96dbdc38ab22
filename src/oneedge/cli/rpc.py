"""A small XML-RPC client for OpenNebula's API.

It speaks HTTP/1.1 over a plain socket and parses answers with
:mod:`oneedge.cli.xmldoc`: ``xmlrpc.client``, ``http.client`` and
``xml.etree`` would double the start-up time of every command (see
bench/cli_bench.py), and so would ``socket`` (enum, selectors): plain
connections use ``_socket``; ``https`` endpoints load ``socket`` and ``ssl``
when used.
"""

from __future__ import annotations

import _socket
from pyexpat import ExpatError

from oneedge.cli.errors import ApiError, CliError
from oneedge.cli.xmldoc import Node, parse

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from typing import Any

#: Seconds to wait for the front-end; a pool of 10,000 VMs is read well within it.
TIMEOUT = 120.0


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode(value: Any) -> str:
    """One XML-RPC ``<value>`` for a str, bool, int, float, list or dict."""
    if isinstance(value, bool):
        return f"<value><boolean>{int(value)}</boolean></value>"
    if isinstance(value, int):
        tag = "i4" if -2**31 <= value < 2**31 else "i8"
        return f"<value><{tag}>{value}</{tag}></value>"
    if isinstance(value, float):
        return f"<value><double>{value!r}</double></value>"
    if isinstance(value, str):
        return f"<value><string>{_escape(value)}</string></value>"
    if isinstance(value, (list, tuple)):
        return "<value><array><data>" + "".join(encode(v) for v in value) + "</data></array></value>"
    if isinstance(value, dict):
        members = "".join(f"<member><name>{_escape(k)}</name>{encode(v)}</member>" for k, v in value.items())
        return f"<value><struct>{members}</struct></value>"
    raise TypeError(f"cannot send {type(value).__name__} over XML-RPC")


def decode(value: Node) -> Any:
    """The Python value of one XML-RPC ``<value>`` element."""
    if len(value) == 0:
        return value.text or ""
    node = value[0]
    tag = node.tag
    if tag == "string":
        return node.text or ""
    if tag in ("i4", "int", "i8"):
        return int(node.text or "0")
    if tag == "boolean":
        return (node.text or "0").strip() == "1"
    if tag == "double":
        return float(node.text or "0")
    if tag == "array":
        return [decode(v) for v in node.iterfind("data/value")]
    if tag == "struct":
        return {m.findtext("name", ""): decode(m.find("value")) for m in node.iterfind("member")}  # type: ignore[arg-type]
    if tag == "nil":
        return None
    return node.text or ""


class Endpoint:
    """Scheme, host, port and path of an endpoint URL such as ``http://host:2633/RPC2``."""

    def __init__(self, url: str) -> None:
        self.url = url
        scheme, sep, rest = url.partition("://")
        if not sep or scheme not in ("http", "https"):
            raise CliError(f"Bad endpoint {url!r}: expected http://host:port/RPC2")
        self.tls = scheme == "https"
        netloc, slash, path = rest.partition("/")
        self.path = slash + path or "/RPC2"
        if netloc.startswith("["):
            host, _, port = netloc[1:].partition("]")
            port = port.lstrip(":")
        else:
            host, _, port = netloc.partition(":")
        if not host or port and not port.isdigit():
            raise CliError(f"Bad endpoint {url!r}: expected http://host:port/RPC2")
        self.host = host
        self.port = int(port) if port else (443 if self.tls else 80)


class Client:
    """Calls ``one.*`` methods with a session string prepended, as every OpenNebula client does."""

    def __init__(self, endpoint: str, secret: str, timeout: float = TIMEOUT) -> None:
        self.endpoint = Endpoint(endpoint)
        self.secret = secret
        self.timeout = timeout

    def call(self, method: str, *args: Any) -> Any:
        """The value of a successful call; raises :class:`ApiError` on ``[false, message, code]``
        and :class:`CliError` when the front-end cannot be reached or answers nonsense."""
        answer = self.raw(method, self.secret, *args)
        if not isinstance(answer, list) or not answer:
            raise CliError(f"[{method}] unexpected answer from {self.endpoint.url}")
        if answer[0] is True:
            return answer[1] if len(answer) > 1 else None
        code = answer[2] if len(answer) > 2 and isinstance(answer[2], int) else -1
        raise ApiError(str(answer[1]) if len(answer) > 1 else f"[{method}] failed", code)

    def raw(self, method: str, *args: Any) -> Any:
        """The decoded XML-RPC answer of ``method(*args)``; faults raise :class:`CliError`."""
        body = ("<?xml version='1.0'?><methodCall><methodName>" + _escape(method) + "</methodName><params>"
                + "".join(f"<param>{encode(a)}</param>" for a in args) + "</params></methodCall>").encode()
        root = self._parse(self._post(body), method)
        fault = root.find("fault/value")
        if fault is not None:
            info = decode(fault)
            message = info.get("faultString", "") if isinstance(info, dict) else str(info)
            raise CliError(f"[{method}] {message}")
        value = root.find("params/param/value")
        if value is None:
            raise CliError(f"[{method}] empty answer from {self.endpoint.url}")
        return decode(value)

    def _parse(self, payload: bytes, method: str) -> Node:
        try:
            return parse(payload)
        except ExpatError as exc:
            raise CliError(f"[{method}] malformed answer from {self.endpoint.url}: {exc}") from None

    def _post(self, body: bytes) -> bytes:
        ep = self.endpoint
        head = (f"POST {ep.path} HTTP/1.1\r\nHost: {ep.host}:{ep.port}\r\nUser-Agent: oneedge-cli\r\n"
                f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        try:
            if ep.tls:
                import socket
                import ssl

                raw = socket.create_connection((ep.host, ep.port), timeout=self.timeout)
                sock = ssl.create_default_context().wrap_socket(raw, server_hostname=ep.host)
            else:
                sock = _connect(ep.host, ep.port, self.timeout)
            try:
                sock.sendall(head + body)
                chunks = []
                while data := sock.recv(1 << 20):
                    chunks.append(data)
            finally:
                sock.close()
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise CliError(f"Could not connect to the front-end at {ep.url}: {reason}") from None
        return _http_body(b"".join(chunks), ep.url)


def _connect(host: str, port: int, timeout: float) -> _socket.socket:
    """A TCP connection to the first address of ``host`` that accepts one."""
    error: OSError = OSError(f"no address for {host}")
    # NOTE: an ASCII host goes as bytes: a str is encoded with the IDNA codec, whose
    # import (stringprep, re, enum) costs more than the rest of the call.
    name = host.encode() if host.isascii() else host
    for family, kind, proto, _, address in _socket.getaddrinfo(name, port, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


def _http_body(response: bytes, url: str) -> bytes:
    """The body of a complete HTTP/1.1 response; non-200 statuses raise :class:`CliError`."""
    head, sep, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ", 2)
    if not sep or len(status) < 2 or not status[0].startswith("HTTP/"):
        raise CliError(f"The front-end at {url} did not answer HTTP")
    if status[1] != "200":
        raise CliError(f"The front-end at {url} answered HTTP {' '.join(status[1:])}")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return _dechunk(body)
    return body


def _dechunk(body: bytes) -> bytes:
    out = []
    pos = 0
    while True:
        end = body.index(b"\r\n", pos)
        size = int(body[pos:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(body[end + 2:end + 2 + size])
        pos = end + 2 + size + 2
