"""The event stream: every bus event on a ZeroMQ PUB socket, as OpenNebula's one_hm does.

Messages are two frames, the topic key then the base64 HOOK_MESSAGE, so
``SUBSCRIBE "EVENT STATE VM/"`` filters as it does with OpenNebula. The socket
is an XPUB: it learns which topics remote subscribers asked for, and only
those events are built and sent. It belongs to one thread (ZeroMQ sockets are
not thread-safe), fed by a bus subscription.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import AsyncIterator

import zmq

from oneedge.hm.bus import EventBus

log = logging.getLogger("oneedge.hm")


class EventPublisher:
    def __init__(self, bus: EventBus, bind: str, port: int, hwm: int | None = None) -> None:
        self.bus = bus
        self.endpoint = f"tcp://{bind}:{port}"
        self.hwm = hwm
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: Exception | None = None
        #: Topics remote subscribers hold, with how many subscriptions each.
        self._topics: dict[str, int] = {}

    def _wanted(self, key: str) -> bool:
        return any(key.startswith(topic) for topic in tuple(self._topics))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        subscription = self.bus.subscribe("", accepts=self._wanted)
        thread = threading.Thread(target=self._run, args=(subscription,), name="event-stream", daemon=True)
        thread.start()
        self._ready.wait()
        if self._error is not None:
            subscription.close()
            raise RuntimeError(f"event stream: cannot bind {self.endpoint}: {self._error}")
        log.info("event stream on %s", self.endpoint)
        try:
            yield
        finally:
            self._stop.set()
            thread.join(5)
            subscription.close()

    def _run(self, subscription) -> None:
        context = zmq.Context.instance()
        socket = context.socket(zmq.XPUB)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.XPUB_VERBOSE, 1)
        if self.hwm is not None:
            socket.setsockopt(zmq.SNDHWM, self.hwm)
        try:
            socket.bind(self.endpoint)
        except zmq.ZMQError as exc:
            self._error = exc
            socket.close()
            self._ready.set()
            return
        self._ready.set()
        try:
            while not self._stop.is_set():
                while socket.poll(0, zmq.POLLIN):
                    self._subscription_change(socket.recv())
                event = subscription.get(timeout=0.05)
                if event is not None:
                    socket.send_multipart([event.key.encode(), event.payload.encode()])
        finally:
            socket.close()

    def _subscription_change(self, frame: bytes) -> None:
        """XPUB frames: 0x01 + topic when a subscriber subscribes, 0x00 + topic when it leaves."""
        if not frame:
            return
        topic = frame[1:].decode(errors="replace")
        count = self._topics.get(topic, 0) + (1 if frame[0] == 1 else -1)
        if count > 0:
            self._topics[topic] = count
        else:
            self._topics.pop(topic, None)
