"""The in-process event bus.

Publishers (the API dispatcher, the lifecycle manager...) call ``publish``
from any thread, after their transaction committed. Each subscriber gets its
own bounded queue of the events whose key starts with its prefix (and that
its optional ``accepts`` predicate takes), so a slow subscriber never blocks a
publisher: when its queue is full the oldest event is dropped and counted.
Payloads may be given as a function, called once and only when some
subscriber wants the event: nobody listening costs nothing.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Event:
    key: str       # OpenNebula's topic, e.g. "EVENT API one.vm.deploy 1"
    payload: str   # base64 of the HOOK_MESSAGE document, as OpenNebula's hook manager sends


class Subscription:
    def __init__(self, bus: EventBus, prefix: str, size: int, accepts: Callable[[str], bool] | None) -> None:
        self.bus = bus
        self.prefix = prefix
        self.accepts = accepts
        self.queue: queue.Queue[Event] = queue.Queue(size)
        self.dropped = 0

    def offer(self, event: Event) -> None:
        while True:
            try:
                self.queue.put_nowait(event)
                return
            except queue.Full:
                try:
                    self.queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or None after ``timeout`` seconds."""
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.bus.unsubscribe(self)


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: tuple[Subscription, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, prefix: str = "", size: int = 10_000,
                  accepts: Callable[[str], bool] | None = None) -> Subscription:
        subscription = Subscription(self, prefix, size, accepts)
        with self._lock:
            self._subscriptions = (*self._subscriptions, subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions = tuple(s for s in self._subscriptions if s is not subscription)

    def publish(self, key: str, payload: str | Callable[[], str]) -> None:
        event: Event | None = None
        for subscription in self._subscriptions:
            if not key.startswith(subscription.prefix):
                continue
            if subscription.accepts is not None and not subscription.accepts(key):
                continue
            if event is None:
                event = Event(key, payload if isinstance(payload, str) else payload())
            subscription.offer(event)
