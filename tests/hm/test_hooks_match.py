"""Which hooks an event triggers and the arguments their commands get."""

from __future__ import annotations

import base64

from lxml import etree

from oneedge.hm.hooks_match import HookRule, arguments, event_key, parse_message, remote_host
from oneedge.hm.messages import api_message, state_message
from oneedge.pool.hook import HookType


def rule(**template: str) -> HookRule:
    hook_type = "api" if "CALL" in template else "state"
    body = "".join(f"<{k}>{v}</{k}>" for k, v in template.items())
    return HookRule.from_body(f"<HOOK><ID>4</ID><NAME>h</NAME><TYPE>{hook_type}</TYPE><TEMPLATE>{body}</TEMPLATE></HOOK>")


def test_rules_from_records() -> None:
    api = rule(CALL="one.vm.deploy", COMMAND="log.sh", ARGUMENTS="$API", TIMEOUT="5", ARGUMENTS_STDIN="yes")
    assert (api.type, api.key, api.timeout, api.stdin, api.remote) == (HookType.API, "one.vm.deploy", 5.0, True, False)
    state = rule(RESOURCE="HOST", STATE="ERROR", COMMAND="/bin/true", REMOTE="YES")
    assert (state.type, state.key, state.timeout, state.remote) == (HookType.STATE, "HOST/ERROR/", None, True)


def test_event_keys() -> None:
    assert event_key("EVENT API one.vm.deploy 1") == (HookType.API, "one.vm.deploy")
    assert event_key("EVENT API one.vm.deploy 0") == (HookType.API, "one.vm.deploy")
    assert event_key("EVENT STATE VM/ACTIVE/RUNNING/17 ") == (HookType.STATE, "VM/ACTIVE/RUNNING")
    assert event_key("EVENT STATE HOST/ERROR//3 ") == (HookType.STATE, "HOST/ERROR/")
    assert event_key("EVENT VM 17/ACTIVE/RUNNING ") is None


def test_template_and_api_arguments_are_base64_of_the_object_and_the_call_info() -> None:
    _, payload = state_message("VM", 7, "ACTIVE", "RUNNING", "<VM><ID>7</ID></VM>", remote_host="node1")
    message = parse_message(payload)
    args = arguments(rule(RESOURCE="VM", STATE="ACTIVE", LCM_STATE="RUNNING", COMMAND="x",
                          ARGUMENTS="--id $TEMPLATE  last"), message)
    first, encoded, last = args.split(" ")
    assert (first, last) == ("--id", "last")
    assert base64.b64decode(encoded) == b"<VM><ID>7</ID></VM>"
    assert remote_host(message) == "node1"
    _, payload = api_message("one.vm.deploy", (3, 1, False), [True, 3, 0])
    message = parse_message(payload)
    (encoded,) = arguments(rule(CALL="one.vm.deploy", COMMAND="x", ARGUMENTS="$API"), message).split()
    info = etree.fromstring(base64.b64decode(encoded))
    assert info.tag == "CALL_INFO" and info.findtext("RESULT") == "1"
    assert remote_host(message) == ""
    assert arguments(rule(CALL="one.vm.deploy", COMMAND="x"), message) == ""
