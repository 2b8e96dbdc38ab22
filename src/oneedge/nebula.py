"""The one place that builds the front-end, in order, and runs it.

Configuration, then the database and its schema, then the pools, the ACL and
authentication managers, the API classes (which create the bootstrap objects
of a new database), the method table and finally the XML-RPC server.
Everything is passed down explicitly; nothing is global.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, TypeVar

from oneedge.config import OnedConfig, ensure_config_version
from oneedge.db import migrate
from oneedge.db.store import Store
from oneedge.drivers.transport_factory import TransportConfig, Transports
from oneedge.hm.bus import EventBus
from oneedge.hm.hooks import HookManager
from oneedge.hm.messages import api_message
from oneedge.hm.publisher import EventPublisher
from oneedge.lcm import services as lcm_services
from oneedge.pool.acl import AclManager
from oneedge.pool.registry import POOL_CLASSES, object_class
from oneedge.pool.sqlpool import SQLPool
from oneedge.pool.types import ObjectType
from oneedge.rm import api
from oneedge.rm.auth import AuthManager
from oneedge.rm.method import MethodTable
from oneedge.rm.xmlrpc import Dispatcher, XmlRpcApp
from oneedge.scheduler.service import SchedulerService

log = logging.getLogger("oneedge")

A = TypeVar("A")


@dataclass
class Core:
    """What API classes and services share: configuration, store, pools, managers."""

    home: Path
    config: OnedConfig
    store: Store
    pools: dict[ObjectType, SQLPool[Any]]
    acl: AclManager
    auth: AuthManager
    #: Every API call and state change, for in-process services and the event stream.
    events: EventBus
    apis: list[Any] = field(default_factory=list)
    #: Long-running parts of the front-end (scheduler, event stream, hooks...):
    #: objects with an async context manager method ``running()``.
    services: list[Any] = field(default_factory=list)
    #: How drivers reach hosts: local subprocesses for this machine, SSH for the others.
    transports: Transports | None = None
    #: The URL of this front-end's XML-RPC API, the local zone's ENDPOINT:
    #: oned.conf's PORT on localhost, until ``oneedge up`` sets what it serves.
    endpoint: str = ""

    def api(self, cls: type[A]) -> A:
        """The API instance of a class, for APIs that act on other kinds' objects."""
        for instance in self.apis:
            if isinstance(instance, cls):
                return instance
        raise LookupError(f"{cls.__name__} is not registered in oneedge.rm.api.API_CLASSES")


def endpoint_url(address: str, port: int) -> str:
    """``http://address:port/RPC2``; a wildcard listen address is reached as localhost."""
    host = "localhost" if address in ("", "0.0.0.0", "::") else address
    return f"http://[{host}]:{port}/RPC2" if ":" in host else f"http://{host}:{port}/RPC2"


def _admin_secret(home: Path, filename: str, username: str) -> str:
    """Read ``home/filename`` (``user:password``) or create it with a random password, mode 0600."""
    path = home / filename
    if path.exists():
        _, _, password = path.read_text().strip().partition(":")
        if not password:
            raise ValueError(f"{path} must hold '{username}:password'")
        return password
    password = secrets.token_hex(16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{username}:{password}\n")
    return password


def build_core(home: Path, auto_upgrade_config: bool = False) -> Core:
    home.mkdir(parents=True, exist_ok=True)
    ensure_config_version(home, auto_upgrade_config)
    config = OnedConfig.load(home)
    store = Store(config.db_url(home), config.db_timeout)
    # Importing the pool classes defines their tables, which the schema needs.
    pools = {kind: _pool(store, kind) for kind in POOL_CLASSES}
    previous = migrate.upgrade(store)
    if previous:
        log.info("database schema migrated from version %d to %d", previous, migrate.SCHEMA_VERSION)
    acl = AclManager(store)
    auth = AuthManager(store, pools[ObjectType.USER], pools[ObjectType.GROUP], config.session_expiration)
    core = Core(home, config, store, pools, acl, auth, EventBus())
    core.endpoint = endpoint_url("localhost", config.port)
    core.apis = api.build(core)
    secrets_ = {
        "oneadmin": _admin_secret(home, "one_auth", "oneadmin"),
        "serveradmin": _admin_secret(home, "serveradmin_auth", "serveradmin"),
    }
    with store.write() as conn:
        acl.bootstrap(conn)
        for instance in core.apis:
            bootstrap = getattr(instance, "bootstrap", None)
            if bootstrap is not None:
                bootstrap(conn, secrets_)
    with store.read() as conn:
        acl.load(conn)
    bind, port, hwm = config.event_stream()
    core.services.append(EventPublisher(core.events, bind, port, hwm))
    core.transports = Transports(TransportConfig(home=home))
    core.services.append(core.transports)
    core.services.extend(lcm_services.build(core))
    scheduler = SchedulerService.build(core)
    if scheduler is not None:
        core.services.append(scheduler)
    core.services.append(HookManager(core))
    return core


def _pool(store: Store, kind: ObjectType) -> SQLPool[Any]:
    cls = object_class(kind)
    return SQLPool(store, cls.TABLE, cls, cls.FIRST_OID)


def build_app(core: Core) -> XmlRpcApp:
    table = MethodTable(m for instance in core.apis for m in instance.methods())
    dispatcher = Dispatcher(core, table, core.auth)
    dispatcher.observers.append(lambda name, params, response: core.events.publish(
        f"EVENT API {name} {int(bool(response[0]))}", lambda: api_message(name, params, response)[1]))
    config = core.config
    return XmlRpcApp(dispatcher, config.message_size, config.timeout, config.max_conn,
                     lifespan=lambda: run_services(core))


@contextlib.asynccontextmanager
async def run_services(core: Core) -> AsyncIterator[None]:
    """Start every service in order, yield while the API serves, stop them in reverse."""
    async with contextlib.AsyncExitStack() as stack:
        for service in core.services:
            await stack.enter_async_context(service.running())
            log.info("service %s started", type(service).__name__)
        yield
