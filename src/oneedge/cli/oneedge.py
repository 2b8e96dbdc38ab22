"""``oneedge``: run the front-end."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from oneedge import __version__


def _setup_logging(home: Path, system: str, level: int) -> None:
    levels = {0: logging.ERROR, 1: logging.WARNING, 2: logging.INFO, 3: logging.DEBUG}
    handler: logging.Handler
    if system == "std":
        handler = logging.StreamHandler(sys.stderr)
    else:
        handler = logging.FileHandler(home / "oned.log")
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s][%(levelname).1s]: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(levels.get(level, logging.DEBUG))
    # Per-request lines from the HTTP server would drown the log.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def _server_class():
    import contextlib
    import signal

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, but a SIGTERM/SIGINT ends the process with status 0 after
        a clean shutdown instead of re-raising the signal, and ``on_listening``
        runs once the socket is bound."""

        on_listening = staticmethod(lambda: None)

        async def startup(self, sockets=None):
            await super().startup(sockets)
            if self.started:
                self.on_listening()

        @contextlib.contextmanager
        def capture_signals(self):
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="oneedge")
def main() -> None:
    """oneedge: an edge cloud that speaks OpenNebula's API and formats."""


@main.command()
@click.option("--home", "home", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory holding oned.conf, the embedded database (one.db), logs and one_auth. "
                   "Created if missing.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="XML-RPC port; overrides PORT in oned.conf (default 2633).")
@click.option("--listen", "listen", default=None,
              help="Address to listen on; overrides LISTEN_ADDRESS in oned.conf (default 127.0.0.1).")
@click.option("--auto-upgrade-config", is_flag=True,
              help="Upgrade an older configuration in HOME with onecfg before starting, "
                   "instead of refusing to start.")
@click.option("--no-local-host", is_flag=True,
              help="Do not set up this machine as a kvm host with the network 'local' and the "
                   "template 'edge-guest' (done on every start for what is missing).")
@click.option("--local-network", default="172.31.255.0/24", show_default=True,
              help="IPv4 range of the network 'local'; its bridge oneedge0 gets the first address.")
@click.option("--local-bridge", default="oneedge0", show_default=True, help="Bridge of the network 'local'.")
def up(home: Path, port: int | None, listen: str | None, auto_upgrade_config: bool, no_local_host: bool,
       local_network: str, local_bridge: str) -> None:
    """Run the whole front-end in the foreground until SIGTERM or SIGINT.

    On first start it creates HOME, writes default oned.conf, monitord.conf
    and sched.conf, the database, the oneadmin user and HOME/one_auth
    ("oneadmin:<password>", mode 0600). Starting again on the same HOME keeps
    every object and ID. Besides the XML-RPC API it runs the event stream,
    the monitor daemon, the scheduler and the hook manager, and (unless
    --no-local-host) makes this machine a kvm host with the network 'local'
    and the template 'edge-guest'.

    \b
    Example:
      oneedge up --home ~/oneedge --port 2633
      ONE_AUTH=~/oneedge/one_auth onevm list
    """
    import uvicorn

    _Server = _server_class()
    from oneedge.cli import discovery
    from oneedge.config import ConfigError
    from oneedge.db.migrate import SchemaError
    from oneedge.nebula import build_app, build_core, endpoint_url

    home = home.expanduser().resolve()
    try:
        core = build_core(home, auto_upgrade_config)
    except (ConfigError, SchemaError, ValueError, OSError) as exc:
        click.echo(f"oneedge: {exc}", err=True)
        sys.exit(1)
    from oneedge.monitor.core_link import MonitorService

    core.services.append(MonitorService(core))
    config = core.config
    _setup_logging(home, config.log_system, config.log_level)
    host = listen or config.listen_address
    port = port or config.port
    core.endpoint = endpoint_url(host, port)
    app = build_app(core)
    server = _Server(uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_config=None,
        backlog=config.backlog,
        timeout_keep_alive=config.keepalive_timeout,
    ))
    click.echo(f"oneedge {__version__}: XML-RPC API on {core.endpoint}, home {home}", err=True)
    # The CLI finds this front-end without ONE_XMLRPC/ONE_AUTH through the announcement.
    def listening() -> None:
        discovery.announce(core.endpoint, home)
        if not no_local_host:
            _local_host(core.endpoint, home, local_network, local_bridge)

    server.on_listening = listening
    try:
        server.run()
    finally:
        discovery.withdraw(core.endpoint)
        app.close()
        core.store.dispose()
    if not server.started:
        click.echo(f"oneedge: could not listen on {host}:{port} (see {home / 'oned.log'})", err=True)
        sys.exit(1)


def _local_host(endpoint: str, home: Path, network: str, bridge: str) -> None:
    """The single-host set-up (``oneedge.firstrun``) in a thread: it calls this front-end's API."""
    import ipaddress
    import threading

    from oneedge import firstrun

    def run() -> None:
        try:
            firstrun.run(endpoint, home, firstrun.LocalSetup(ipaddress.IPv4Network(network), bridge))
        except Exception:  # noqa: BLE001 - the front-end runs on; the log says what is missing
            logging.getLogger("oneedge.firstrun").exception("single-host set-up failed")

    threading.Thread(target=run, name="firstrun", daemon=True).start()


@main.command()
@click.option("--home", "home", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="The front-end home: oned.conf, monitord.conf, the database.")
def monitord(home: Path) -> None:
    """Run the monitor daemon (``oneedge up`` starts it and talks to it on stdin/stdout)."""
    from oneedge.monitor.config import MonitorConfigError
    from oneedge.monitor.main import run

    try:
        run(home.expanduser().resolve())
    except (MonitorConfigError, OSError) as exc:
        click.echo(f"oneedge monitord: {exc}", err=True)
        sys.exit(1)
