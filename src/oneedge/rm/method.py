"""API method descriptors and the table that dispatches calls to them."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from oneedge.errors import ErrorCode, RequestError

if TYPE_CHECKING:
    from oneedge.rm.request import Request

log = logging.getLogger("oneedge.rm")

_XMLRPC_TYPES = {int: "int", str: "string", bool: "boolean", float: "double", list: "array", dict: "struct"}


class Fault(Exception):
    """A call the XML-RPC layer cannot even dispatch (unknown method, wrong argument types).

    OpenNebula's xmlrpc-c answers these with an XML-RPC fault rather than the
    ``[false, msg, code]`` array, and clients report them the same way.
    """

    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Method:
    """``one.<object>.<verb>``: a function taking the request then its typed arguments."""

    name: str
    fn: Callable[..., Any]
    params: tuple[type, ...]
    required: int

    def check(self, args: tuple[Any, ...]) -> None:
        if not self.required <= len(args) <= len(self.params):
            expected = str(len(self.params)) if self.required == len(self.params) else f"{self.required} to {len(self.params)}"
            raise Fault(
                Fault.INVALID_PARAMS,
                f"{self.name}: expected {expected} arguments after the session string, got {len(args)}",
            )
        for position, (value, kind) in enumerate(zip(args, self.params), start=2):
            # bool is an int subclass in Python but a distinct XML-RPC type.
            if type(value) is not kind and not (kind is float and type(value) is int):
                raise Fault(
                    Fault.INVALID_PARAMS,
                    f"{self.name}: argument {position} must be {_XMLRPC_TYPES[kind]}, "
                    f"got {_XMLRPC_TYPES.get(type(value), type(value).__name__)}",
                )


def method(name: str, fn: Callable[..., Any], *params: type) -> Method:
    """Describe ``fn(request, *args)``; arguments with defaults in ``fn`` are optional."""
    signature = inspect.signature(fn)
    args = list(signature.parameters.values())[1:]
    if len(args) != len(params):
        raise TypeError(f"{name}: {fn.__qualname__} takes {len(args)} arguments, {len(params)} types given")
    required = sum(1 for a in args if a.default is inspect.Parameter.empty)
    return Method(name, fn, tuple(params), required)


class MethodTable:
    """Every API method by name; registering a name twice is a bug and fails at start."""

    def __init__(self, methods: Iterable[Method]) -> None:
        self._methods: dict[str, Method] = {}
        for m in methods:
            if m.name in self._methods:
                raise ValueError(f"API method {m.name} registered twice")
            self._methods[m.name] = m

    def __contains__(self, name: str) -> bool:
        return name in self._methods

    def names(self) -> list[str]:
        return sorted(self._methods)

    def get(self, name: str) -> Method:
        try:
            return self._methods[name]
        except KeyError:
            raise Fault(Fault.METHOD_NOT_FOUND, f"Unknown method {name!r}") from None


def failure(name: str, error: RequestError) -> list[Any]:
    """OpenNebula's failure array: [false, "[method] message", code, resp_id, replication index]."""
    return [False, f"[{name}] {error.message}", int(error.code), error.resp_id, 0]


def internal_failure(name: str, exc: BaseException) -> list[Any]:
    log.exception("%s failed", name, exc_info=exc)
    return [False, f"[{name}] Internal error: {exc.__class__.__name__}: {exc}", int(ErrorCode.INTERNAL), -1, 0]


def success(value: Any) -> list[Any]:
    return [True, value, int(ErrorCode.SUCCESS)]
