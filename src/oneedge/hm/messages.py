"""HOOK_MESSAGE documents and their topic keys, as OpenNebula's hook manager builds them.

Pure functions: documents in, ``(keys, base64 payload)`` out. The keys are the
ZeroMQ topics OpenNebula 6.10 publishes (``one_hm.rb``), so subscribers written
for OpenNebula work unchanged:

- API calls: ``EVENT API <method> <1|0>``
- VM states: ``EVENT VM <id>/<STATE>/<LCM_STATE> `` and
  ``EVENT STATE VM/<STATE>/<LCM_STATE>/<id> `` (plus ``EVENT SERVICE <id> ``
  when the VM belongs to a service)
- other objects: ``EVENT <OBJ> <id>/<STATE>/ `` and ``EVENT STATE <OBJ>/<STATE>//<id> ``
"""

from __future__ import annotations

import base64
import xmlrpc.client
from typing import Any
from xml.sax.saxutils import escape


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (list, dict)):
        return escape(xmlrpc.client.dumps((value,)))
    return escape(str(value))


def api_message(method: str, params: tuple[Any, ...], response: list[Any]) -> tuple[list[str], str]:
    """An API call: its parameters (the session hidden) and its results."""
    success = bool(response[0])
    parts = ["<HOOK_MESSAGE><HOOK_TYPE>API</HOOK_TYPE>", f"<CALL>{escape(method)}</CALL>",
             f"<CALL_INFO><RESULT>{int(success)}</RESULT><PARAMETERS>",
             "<PARAMETER><POSITION>1</POSITION><TYPE>IN</TYPE><VALUE>****</VALUE></PARAMETER>"]
    for position, value in enumerate(params, start=2):
        parts.append(f"<PARAMETER><POSITION>{position}</POSITION><TYPE>IN</TYPE>"
                     f"<VALUE>{_value(value)}</VALUE></PARAMETER>")
    for position, value in enumerate(response, start=1):
        parts.append(f"<PARAMETER><POSITION>{position}</POSITION><TYPE>OUT</TYPE>"
                     f"<VALUE>{_value(value)}</VALUE></PARAMETER>")
    parts.append("</PARAMETERS><EXTRA/></CALL_INFO></HOOK_MESSAGE>")
    return [f"EVENT API {method} {int(success)}"], _b64("".join(parts))


def state_message(obj: str, oid: int, state: str, lcm_state: str | None, document: str,
                  remote_host: str = "", service_id: str | None = None) -> tuple[list[str], str]:
    """A state change of a VM (with LCM state), host, image or network."""
    lcm = lcm_state or ""
    parts = ["<HOOK_MESSAGE><HOOK_TYPE>STATE</HOOK_TYPE>", f"<HOOK_OBJECT>{obj}</HOOK_OBJECT>",
             f"<STATE>{state}</STATE>"]
    if lcm_state is not None:
        parts.append(f"<LCM_STATE>{lcm_state}</LCM_STATE>")
    parts.append(f"<RESOURCE_ID>{oid}</RESOURCE_ID>")
    if service_id:
        parts.append(f"<SERVICE_ID>{escape(service_id)}</SERVICE_ID>")
    parts.append(f"<REMOTE_HOST>{escape(remote_host)}</REMOTE_HOST>" if remote_host else "<REMOTE_HOST/>")
    parts.append(document)
    parts.append("</HOOK_MESSAGE>")
    keys = [f"EVENT {obj} {oid}/{state}/{lcm} ", f"EVENT STATE {obj}/{state}/{lcm}/{oid} "]
    if service_id:
        keys.append(f"EVENT SERVICE {service_id} ")
    return keys, _b64("".join(parts))
