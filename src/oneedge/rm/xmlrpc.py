"""OpenNebula's XML-RPC transport: ``POST /RPC2`` bodies in, ``[ok, value, code]`` arrays out.

An ASGI application served by uvicorn. Parsing and encoding happen on the
event loop; the API call itself runs in a bounded thread pool so that slow
database work never stalls other connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from typing import Any, Awaitable, Callable
from xml.parsers.expat import ExpatError

from oneedge.errors import RequestError
from oneedge.rm.auth import AuthManager
from oneedge.rm.method import Fault, MethodTable, failure, internal_failure, success
from oneedge.rm.request import Request

log = logging.getLogger("oneedge.xmlrpc")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


class Dispatcher:
    """Authenticates a call and runs its method; never raises."""

    def __init__(self, core: Any, table: MethodTable, auth: AuthManager) -> None:
        self.core = core
        self.table = table
        self.auth = auth
        #: Called after every call with (method name, params, response): the event
        #: stream and API hooks subscribe here.
        self.observers: list[Callable[[str, tuple[Any, ...], list[Any]], None]] = []

    def call(self, name: str, params: tuple[Any, ...]) -> list[Any]:
        m = self.table.get(name)
        if not params or type(params[0]) is not str:
            raise Fault(Fault.INVALID_PARAMS, f"{name}: the first argument must be the session string")
        args = params[1:]
        m.check(args)
        try:
            user = self.auth.authenticate(params[0])
            response = success(m.fn(Request(self.core, user, name), *args))
        except RequestError as exc:
            response = failure(name, exc)
        except Exception as exc:  # noqa: BLE001 - any bug becomes an INTERNAL answer, the daemon goes on
            response = internal_failure(name, exc)
        for observer in self.observers:
            try:
                observer(name, args, response)
            except Exception:  # noqa: BLE001
                log.exception("observer of %s failed", name)
        return response


def encode_response(response: list[Any]) -> bytes:
    return xmlrpc.client.dumps((response,), methodresponse=True, allow_none=False).encode()


def encode_fault(code: int, message: str) -> bytes:
    return xmlrpc.client.dumps(xmlrpc.client.Fault(code, message), methodresponse=True).encode()


def decode_call(body: bytes) -> tuple[str, tuple[Any, ...]]:
    try:
        params, name = xmlrpc.client.loads(body, use_builtin_types=True)
    except (ExpatError, xmlrpc.client.ResponseError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise Fault(PARSE_ERROR, f"Malformed XML-RPC request: {exc}") from None
    if not isinstance(name, str) or not name:
        raise Fault(INVALID_REQUEST, "Malformed XML-RPC request: no methodName")
    return name, params


class XmlRpcApp:
    """ASGI application serving ``/RPC2`` (and ``/``, as xmlrpc-c does)."""

    def __init__(self, dispatcher: Dispatcher, max_body: int, body_timeout: float, workers: int,
                 lifespan: Callable[[], AbstractAsyncContextManager[None]] | None = None) -> None:
        self.dispatcher = dispatcher
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rpc")
        #: The front-end's services (scheduler, event stream...) run inside this context.
        self.lifespan = lifespan

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] not in ("/RPC2", "/"):
            await self._plain(send, 404, b"Not found: the XML-RPC endpoint is /RPC2\n")
            return
        if scope["method"] != "POST":
            await self._plain(send, 405, b"Method not allowed: use POST with an XML-RPC body\n")
            return
        try:
            body = await asyncio.wait_for(self._read_body(receive), self.body_timeout)
        except _TooLarge as exc:
            await self._plain(send, 413, f"Request body larger than MESSAGE_SIZE ({exc.limit} bytes)\n".encode())
            return
        except asyncio.TimeoutError:
            await self._plain(send, 408, b"Request body not received in time\n")
            return
        try:
            name, params = decode_call(body)
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(self.executor, self.dispatcher.call, name, params)
            payload = encode_response(response)
        except Fault as fault:
            payload = encode_fault(fault.code, fault.message)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/xml"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise asyncio.TimeoutError
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _TooLarge(self.max_body)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    async def _plain(send: Send, status: int, text: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(text)).encode())]})
        await send({"type": "http.response.body", "body": text})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "lifespan.startup":
            return
        context = self.lifespan() if self.lifespan else contextlib.nullcontext()
        try:
            await context.__aenter__()
        except Exception as exc:  # noqa: BLE001 - reported to uvicorn, which stops
            log.exception("start-up failed")
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        try:
            await context.__aexit__(None, None, None)
        finally:
            await send({"type": "lifespan.shutdown.complete"})


class _TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit
