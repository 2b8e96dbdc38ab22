"""The hook execution manager (OpenNebula's onehem-server): runs hooks on bus events.

It subscribes to the in-process bus with a predicate that accepts only the
topics some hook follows (plus the hook API calls), so events nobody hooks
cost nothing. Each matching event starts one run per hook, at most
``concurrency`` at a time (onehem's default is 10); commands run as
subprocesses or through the host transport, never blocking the event loop.
Every run is logged with ``HookAPI.record_execution`` so ``one.hook.info``
and ``one.hooklog.info`` show it. Hooks created, updated, renamed or deleted
through the API are reloaded as their call's event is published, before the
call answers, so any call made after it is matched against the new hooks.
``one.hook.retry`` reaches the manager through ``HookAPI.retry_handler``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oneedge.errors import RequestError
from oneedge.hm.bus import Event, Subscription
from oneedge.hm.hooks_match import HookRule, arguments, event_key, parse_message, remote_host
from oneedge.hm.hooks_run import NOT_RUN_RC, Outcome, run_local, run_remote
from oneedge.pool.hook import Hook, HookType
from oneedge.pool.types import ObjectType
from oneedge.rm.api.hook import HookAPI

if TYPE_CHECKING:
    from oneedge.nebula import Core

log = logging.getLogger("oneedge.hm")

#: API calls that change hooks: the manager reloads them (onehem's UPDATE_CALLS, plus rename).
HOOK_CALLS = ("one.hook.allocate", "one.hook.update", "one.hook.delete", "one.hook.rename")
_RELOADING = tuple(f"EVENT API {call} 1" for call in HOOK_CALLS)


class HookManager:
    def __init__(self, core: Core, concurrency: int = 10, hooks_dir: Path | None = None) -> None:
        self.core = core
        self.hooks_dir = hooks_dir or core.home / "remotes" / "hooks"
        self._limit = asyncio.Semaphore(concurrency)
        #: (type, key) -> rules, replaced whole on reload (read from the bus thread's predicate).
        self._rules: dict[tuple[HookType, str], tuple[HookRule, ...]] = {}
        self._prefixes: tuple[str, ...] = ()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reload_lock = threading.Lock()

    # -- the hook table -----------------------------------------------------------------------
    def reload(self) -> None:
        """Read every hook record (in a read transaction) and rebuild the table.

        Serialized, so the last reload has read every change committed before it.
        """
        with self._reload_lock, self.core.store.read() as conn:
            bodies = self.core.pools[ObjectType.HOOK].bodies(conn)
            self._build(bodies)

    def _build(self, bodies: list[str]) -> None:
        rules: dict[tuple[HookType, str], list[HookRule]] = {}
        for body in bodies:
            try:
                rule = HookRule.from_body(body)
            except (KeyError, ValueError) as exc:
                log.error("Error loading hook: %s", exc)
                continue
            rules.setdefault((rule.type, rule.key), []).append(rule)
        self._rules = {key: tuple(value) for key, value in rules.items()}
        self._prefixes = tuple(f"EVENT {'API' if kind is HookType.API else 'STATE'} {key}"
                               for kind, key in self._rules)

    def _wanted(self, topic: str) -> bool:
        """The bus's filter, called by publishers in their threads after their commit."""
        if topic.startswith(_RELOADING):
            self.reload()
        return topic.startswith(self._prefixes) and event_key(topic) in self._rules

    # -- the service -----------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.reload)
        subscription = self.core.events.subscribe("EVENT ", accepts=self._wanted)
        api = self.core.api(HookAPI)
        api.retry_handler = self.retry
        stop = asyncio.Event()
        reader = asyncio.create_task(self._read(subscription, stop), name="hook-manager")
        try:
            yield
        finally:
            api.retry_handler = None
            stop.set()
            await reader
            subscription.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _read(self, subscription: Subscription, stop: asyncio.Event) -> None:
        while not stop.is_set():
            event = await asyncio.to_thread(subscription.get, 0.2)
            if event is not None:
                await self._handle(event)

    async def _handle(self, event: Event) -> None:
        found = event_key(event.key)
        if found is None:
            return
        rules = self._rules.get(found, ())
        if not rules:
            return
        message = parse_message(event.payload)
        for rule in rules:
            self._start(rule, arguments(rule, message), remote_host(message), retry=False)

    def _start(self, rule: HookRule, params: str, host: str, retry: bool) -> None:
        task = asyncio.create_task(self._execute(rule, params, host, retry), name=f"hook-{rule.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _execute(self, rule: HookRule, params: str, host: str, retry: bool) -> None:
        async with self._limit:
            log.info("Executing hook %d for %s", rule.id, rule.key)
            try:
                if rule.remote:
                    outcome = await run_remote(rule, params, host, self._transports())
                else:
                    outcome = await run_local(rule, params, self.hooks_dir)
            except Exception as exc:  # noqa: BLE001 - a run that cannot start is logged as failed
                log.exception("hook %d could not run", rule.id)
                outcome = Outcome(NOT_RUN_RC, "", str(exc))
        if outcome.rc == 0:
            log.info("Hook %d successfully executed for %s", rule.id, rule.key)
        else:
            log.error("Failure executing hook %d for %s: rc %d", rule.id, rule.key, outcome.rc)
        await asyncio.to_thread(self._record, rule, params, host, outcome, retry)

    def _record(self, rule: HookRule, params: str, host: str, outcome: Outcome, retry: bool) -> None:
        with self.core.store.write() as conn:
            try:
                self.core.api(HookAPI).record_execution(
                    conn, rule.id, outcome.rc, params, rule.command, outcome.stdout, outcome.stderr,
                    host if rule.remote and host else None, retry)
            except RequestError as exc:  # the hook was deleted meanwhile
                log.warning("cannot log run of hook %d: %s", rule.id, exc)

    def _transports(self) -> Any | None:
        from oneedge.drivers.transport_factory import Transports

        return next((s for s in self.core.services if isinstance(s, Transports)), None)

    # -- one.hook.retry ------------------------------------------------------------------------
    def retry(self, hook: Hook, params: str, host: str | None) -> None:
        """Run a logged execution again (called from an API thread); its record says RETRY."""
        if self._loop is None:
            raise RuntimeError("the hook manager is not running")
        rule = HookRule.from_body(hook.body())
        self._loop.call_soon_threadsafe(self._start, rule, params, host or "", True)
