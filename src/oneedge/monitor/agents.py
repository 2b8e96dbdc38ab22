"""Starting and stopping agents on hosts through the hosts' transports (``oneedge.drivers.transport``).

``im/agent_ctl.py`` in the remotes (copied to the host by the transport on
first use) does the host-side work; it gets the agent's configuration, the
host's secret included, on stdin, never on a command line.
"""

from __future__ import annotations

import json
import logging
from pathlib import PurePosixPath

from oneedge.drivers.transport import TransportError
from oneedge.drivers.transport_factory import Transports
from oneedge.monitor.config import PROBE_KINDS, MonitorConfig

log = logging.getLogger("oneedge.monitord")

#: Seconds an agent start or stop may take on the host (the remotes copy included).
TIMEOUT = 60.0


class AgentError(Exception):
    pass


class AgentControl:
    def __init__(self, config: MonitorConfig, transports: Transports, public_pem: str,
                 secret_of, port: int) -> None:
        self.config = config
        self.transports = transports
        self.public_pem = public_pem
        self.secret_of = secret_of
        self.port = port
        remote_dir = transports.config.remote_dir
        #: Agents' state (configurations, PIDs, logs) outside the remotes, which syncs replace whole.
        self.state_dir = str(PurePosixPath(f"{remote_dir}-monitor"))

    def is_local(self, name: str) -> bool:
        return self.transports.is_local(name)

    def agent_conf(self, host_id: int, im_mad: str) -> dict:
        mad = self.config.im_mads[im_mad]
        conf = {
            "host_id": host_id,
            "server": self.config.monitor_address,
            "port": self.port,
            "protocol": mad.protocol,
            "probes": mad.probes,
            "periods": {kind: self.config.periods[kind] for kind in (*PROBE_KINDS, "SYNC_STATE_VM")},
            "probe_timeout": min(60.0, min(self.config.periods[k] for k in PROBE_KINDS) * 4),
            "state_dir": self.state_dir,
            "env": {key: value.replace("{HOST_ID}", str(host_id)) for key, value in mad.env},
        }
        if self.public_pem:
            conf["pubkey"] = self.public_pem
            conf["secret"] = self.secret_of(host_id).hex()
        return conf

    async def start(self, host_id: int, name: str, im_mad: str) -> None:
        data = json.dumps(self.agent_conf(host_id, im_mad)).encode()
        try:
            result = await self.transports.for_host(name).run("im/agent_ctl.py", ["start"], stdin=data,
                                                              timeout=TIMEOUT)
        except TransportError as exc:
            raise AgentError(f"cannot start the monitor agent: {exc}") from None
        if not result.ok:
            raise AgentError(f"cannot start the monitor agent: {result.stderr.decode(errors='replace').strip()}")
        log.info("agent of host %d (%s) started, PID %s", host_id, name, result.stdout.decode().strip())

    async def stop(self, host_id: int, name: str) -> None:
        try:
            result = await self.transports.for_host(name).run("im/agent_ctl.py", ["stop", str(host_id),
                                                                                 self.state_dir], timeout=TIMEOUT)
        except TransportError as exc:
            log.warning("cannot stop the agent of host %d: %s", host_id, exc)
            return
        if not result.ok:
            log.warning("cannot stop the agent of host %d: %s", host_id, result.stderr.decode(errors="replace"))
