"""The in-process event bus and the HOOK_MESSAGE builders."""

from __future__ import annotations

import base64

from lxml import etree

from oneedge.hm.bus import EventBus
from oneedge.hm.messages import api_message, state_message


def test_prefix_subscriptions_get_matching_events_in_order():
    bus = EventBus()
    vms = bus.subscribe("EVENT STATE VM/")
    everything = bus.subscribe("")
    bus.publish("EVENT STATE VM/ACTIVE/RUNNING/3 ", "a")
    bus.publish("EVENT STATE HOST/MONITORED//1 ", "b")
    bus.publish("EVENT STATE VM/POWEROFF/LCM_INIT/3 ", "c")
    assert [vms.get(0).payload, vms.get(0).payload, vms.get(0)] == ["a", "c", None]
    assert [everything.get(0).payload for _ in range(3)] == ["a", "b", "c"]


def test_payload_is_built_once_and_only_when_wanted():
    bus = EventBus()
    calls: list[int] = []

    def payload() -> str:
        calls.append(1)
        return "built"

    bus.publish("EVENT API one.vm.info 1", payload)
    assert calls == []
    first, second = bus.subscribe("EVENT API"), bus.subscribe("EVENT API one.vm")
    picky = bus.subscribe("", accepts=lambda key: key.endswith(" 0"))
    bus.publish("EVENT API one.vm.info 1", payload)
    assert calls == [1]
    assert first.get(0).payload == second.get(0).payload == "built"
    assert picky.get(0) is None


def test_slow_subscriber_loses_oldest_events_and_counts_them():
    bus = EventBus()
    slow = bus.subscribe("", size=3)
    for n in range(5):
        bus.publish(f"EVENT {n}", str(n))
    assert slow.dropped == 2
    assert [slow.get(0).payload for _ in range(3)] == ["2", "3", "4"]
    slow.close()
    bus.publish("EVENT 9", "9")
    assert slow.get(0) is None


def test_api_message_hides_the_session_and_carries_results():
    keys, payload = api_message("one.vm.deploy", (4, 1, False), [False, "[one.vm.deploy] no <way>", 0x800, 4, 0])
    assert keys == ["EVENT API one.vm.deploy 0"]
    doc = etree.fromstring(base64.b64decode(payload))
    assert doc.findtext("CALL") == "one.vm.deploy"
    assert doc.findtext("CALL_INFO/RESULT") == "0"
    values = [(p.findtext("POSITION"), p.findtext("TYPE"), p.findtext("VALUE"))
              for p in doc.iterfind("CALL_INFO/PARAMETERS/PARAMETER")]
    assert values[:4] == [("1", "IN", "****"), ("2", "IN", "4"), ("3", "IN", "1"), ("4", "IN", "0")]
    assert ("2", "OUT", "[one.vm.deploy] no <way>") in values


def test_state_message_keys_follow_opennebula():
    keys, payload = state_message("VM", 7, "ACTIVE", "RUNNING", "<VM><ID>7</ID></VM>", "host1", "12")
    assert keys == ["EVENT VM 7/ACTIVE/RUNNING ", "EVENT STATE VM/ACTIVE/RUNNING/7 ", "EVENT SERVICE 12 "]
    doc = etree.fromstring(base64.b64decode(payload))
    assert (doc.findtext("HOOK_OBJECT"), doc.findtext("REMOTE_HOST"), doc.findtext("VM/ID")) == ("VM", "host1", "7")
    keys, _ = state_message("HOST", 2, "MONITORED", None, "<HOST/>")
    assert keys == ["EVENT HOST 2/MONITORED/ ", "EVENT STATE HOST/MONITORED//2 "]
