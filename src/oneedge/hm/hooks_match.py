"""Which hooks an event triggers and what their command receives (onehem-server.rb's HEMHook).

A hook's key is its CALL (API hooks) or ``RESOURCE/STATE/LCM_STATE`` (state
hooks; LCM_STATE is empty for hosts). An event's key comes from its topic:
``EVENT API one.vm.deploy 1`` is ``one.vm.deploy`` (successful or not, as in
OpenNebula), ``EVENT STATE VM/ACTIVE/RUNNING/7 `` is ``VM/ACTIVE/RUNNING``.
Arguments are ARGUMENTS split on blanks with ``$TEMPLATE`` replaced by the
base64 of the object's XML and ``$API`` by the base64 of the call's
CALL_INFO, exactly as HEMHook#arguments builds them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from lxml import etree

from oneedge.pool.hook import HookType


@dataclass(frozen=True)
class HookRule:
    """A hook record as the hook manager uses it."""

    id: int
    type: HookType
    key: str
    command: str
    arguments: str
    stdin: bool
    timeout: float | None
    remote: bool

    @classmethod
    def from_body(cls, body: str) -> HookRule:
        root = etree.fromstring(body.encode())

        def text(path: str) -> str:
            return (root.findtext(path) or "").strip()

        hook_type = HookType[text("TYPE").upper()]
        if hook_type is HookType.API:
            key = text("TEMPLATE/CALL")
        else:
            key = f"{text('TEMPLATE/RESOURCE')}/{text('TEMPLATE/STATE')}/{text('TEMPLATE/LCM_STATE')}"
        timeout = text("TEMPLATE/TIMEOUT")
        return cls(int(text("ID")), hook_type, key, text("TEMPLATE/COMMAND"), text("TEMPLATE/ARGUMENTS"),
                   text("TEMPLATE/ARGUMENTS_STDIN").lower() in ("yes", "true"),
                   float(timeout) if timeout.isdigit() else None, text("TEMPLATE/REMOTE").upper() == "YES")


def event_key(topic: str) -> tuple[HookType, str] | None:
    """(type, key) of a bus topic, None for topics no hook follows."""
    parts = topic.split(" ")
    if len(parts) < 3 or parts[0] != "EVENT":
        return None
    if parts[1] == "API":
        return HookType.API, parts[2]
    if parts[1] == "STATE":
        # Drop the object ID: "VM/ACTIVE/RUNNING/7" -> "VM/ACTIVE/RUNNING".
        return HookType.STATE, parts[2].rpartition("/")[0]
    return None


def arguments(rule: HookRule, message: etree._Element) -> str:
    """The command's arguments for a HOOK_MESSAGE; "" when the message lacks what they name."""
    if not rule.arguments:
        return ""
    api = template = ""
    kind = (message.findtext("HOOK_TYPE") or "").upper()
    if kind == "API":
        info = message.find("CALL_INFO")
        if info is None:
            return ""
        api = base64.b64encode(etree.tostring(info)).decode()
    elif kind == "STATE":
        obj = (message.findtext("HOOK_OBJECT") or "").upper()
        node = message.find("VNET" if obj == "NET" else obj)
        if node is None:
            return ""
        template = base64.b64encode(etree.tostring(node)).decode()
    words = {"$API": api, "$TEMPLATE": template}
    return " ".join(words.get(word, word) for word in rule.arguments.split())


def remote_host(message: etree._Element) -> str:
    """The host a state event happened on (REMOTE_HOST), "" for API calls."""
    if (message.findtext("HOOK_TYPE") or "").upper() == "API":
        return ""
    return (message.findtext("REMOTE_HOST") or "").strip()


def parse_message(payload: str) -> etree._Element:
    """The HOOK_MESSAGE of a bus payload (base64, as on the event stream)."""
    return etree.fromstring(base64.b64decode(payload))
