"""Request errors with OpenNebula's error codes and message formats.

The codes are wire format (``include/Request.h`` in OpenNebula): clients such as
pyone map them to exception classes, so the numbers never change.
"""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    SUCCESS = 0x0000
    AUTHENTICATION = 0x0100
    AUTHORIZATION = 0x0200
    NO_EXISTS = 0x0400
    ACTION = 0x0800
    XML_RPC_API = 0x1000
    INTERNAL = 0x2000
    ALLOCATE = 0x4000
    LOCKED = 0x8000


class RequestError(Exception):
    """A refused or failed API call; the transport turns it into ``[false, msg, code, id]``.

    ``message`` is the text after the ``[method] `` prefix, which the request
    layer adds because only it knows the method name.
    """

    def __init__(self, code: ErrorCode, message: str, resp_id: int = -1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.resp_id = resp_id


def authentication_error() -> RequestError:
    return RequestError(ErrorCode.AUTHENTICATION, "User couldn't be authenticated, aborting call.")


def authorization_error(uid: int, what: str, detail: str = "") -> RequestError:
    if detail:
        return RequestError(ErrorCode.AUTHORIZATION, f"User [{uid}] : {detail}.")
    return RequestError(ErrorCode.AUTHORIZATION, f"User [{uid}] not authorized to perform action on {what}.")


def no_exists(what: str, oid: int = -1) -> RequestError:
    if oid == -1:
        return RequestError(ErrorCode.NO_EXISTS, f"Error getting {what} Pool.")
    return RequestError(ErrorCode.NO_EXISTS, f"Error getting {what} [{oid}].", oid)


def action_error(message: str, oid: int = -1) -> RequestError:
    return RequestError(ErrorCode.ACTION, message, oid)


def api_error(message: str) -> RequestError:
    return RequestError(ErrorCode.XML_RPC_API, message)


def internal_error(message: str) -> RequestError:
    return RequestError(ErrorCode.INTERNAL, message)


def allocate_error(what: str, detail: str = "") -> RequestError:
    text = f"Error allocating a new {what}."
    if detail:
        text += f" {detail}"
    return RequestError(ErrorCode.ALLOCATE, text)


def locked_error(what: str, oid: int) -> RequestError:
    return RequestError(ErrorCode.LOCKED, f"The resource {what} is locked. [{oid}].", oid)
