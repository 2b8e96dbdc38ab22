"""API calls on the ZeroMQ event stream, as OpenNebula's hook manager publishes them."""

from __future__ import annotations

import base64
import time

import zmq
from lxml import etree


def receive(frontend, topic: str, trigger, timeout: float = 10) -> tuple[str, etree._Element]:
    """Subscribe to ``topic``, call ``trigger`` until a message arrives (subscriptions propagate
    asynchronously), return (key, decoded HOOK_MESSAGE)."""
    context = zmq.Context.instance()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(frontend.events_endpoint)
    socket.setsockopt_string(zmq.SUBSCRIBE, topic)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            trigger()
            if socket.poll(200):
                key, payload = socket.recv_multipart()
                return key.decode(), etree.fromstring(base64.b64decode(payload))
        raise AssertionError(f"nothing published on {topic!r}")
    finally:
        socket.close()


def test_successful_and_failed_calls_are_published(frontend):
    raw = frontend.raw()
    names = iter(f"stream-{n}" for n in range(1000))
    key, message = receive(frontend, "EVENT API one.group.allocate 1", lambda: raw("one.group.allocate", next(names)))
    assert key == "EVENT API one.group.allocate 1"
    assert message.findtext("CALL") == "one.group.allocate"
    values = {(p.findtext("TYPE"), p.findtext("POSITION")): p.findtext("VALUE")
              for p in message.iterfind("CALL_INFO/PARAMETERS/PARAMETER")}
    assert values[("IN", "1")] == "****"
    assert values[("IN", "2")].startswith("stream-")
    assert values[("OUT", "1")] == "1"

    key, message = receive(frontend, "EVENT API one.group.delete 0", lambda: raw("one.group.delete", 0))
    assert message.findtext("CALL_INFO/RESULT") == "0"


def test_the_stream_is_bound_to_loopback_on_the_configured_port(frontend):
    assert frontend.events_endpoint.startswith("tcp://127.0.0.1:")
    assert "-b 127.0.0.1" in (frontend.home / "oned.conf").read_text()
