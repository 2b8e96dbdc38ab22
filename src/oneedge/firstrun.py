"""First-start set-up of a single-host edge cloud, run by ``oneedge up`` once it listens.

Through the front-end's own XML-RPC API, as a user would: this machine as
the kvm host ``localhost``, the bundled guest's kernel and initrd in the
files datastore, the virtual network ``local`` on the host-local bridge
``oneedge0`` (which holds the gateway address, so the front-end reaches the
guests; no NAT, no uplink) and the VM template ``edge-guest``. Each object
is made only when no object of its name exists, so every start runs it
again safely (and recreates the bridge after a reboot of the machine).
"""

from __future__ import annotations

import ipaddress
import logging
import subprocess
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

from oneedge.guest.build import KERNEL_CMD, build

log = logging.getLogger("oneedge.firstrun")

DEFAULT_NETWORK = "172.31.255.0/24"
DEFAULT_BRIDGE = "oneedge0"
FILES_DS, HOST, VNET, TEMPLATE = 2, "localhost", "local", "edge-guest"


@dataclass(frozen=True)
class LocalSetup:
    network: ipaddress.IPv4Network = ipaddress.IPv4Network(DEFAULT_NETWORK)
    bridge: str = DEFAULT_BRIDGE

    @property
    def gateway(self) -> str:
        return str(self.network.network_address + 1)


class Api:
    """``one.*`` calls with the front-end's oneadmin session; a refusal raises RuntimeError."""

    def __init__(self, endpoint: str, session: str) -> None:
        self.proxy = xmlrpc.client.ServerProxy(endpoint)
        self.session = session

    def __call__(self, method: str, *args: object) -> object:
        result = getattr(self.proxy, method)(self.session, *args)
        if not result[0]:
            raise RuntimeError(f"{method}: {result[1]}")
        return result[1]

    def exists(self, pool_method: str, tag: str, name: str) -> bool:
        body = str(self(pool_method, -2, -1, -1) if tag != "HOST" else self(pool_method))
        return f"<NAME>{name}</NAME>" in body


def bridge_up(setup: LocalSetup) -> None:
    """The bridge with the gateway address, up (left alone when it already is)."""
    address = f"{setup.gateway}/{setup.network.prefixlen}"
    if not Path(f"/sys/class/net/{setup.bridge}").exists():
        subprocess.run(["ip", "link", "add", setup.bridge, "type", "bridge"], check=True, capture_output=True)
    shown = subprocess.run(["ip", "-br", "addr", "show", "dev", setup.bridge], check=True, capture_output=True,
                           text=True).stdout
    if address not in shown.split():
        subprocess.run(["ip", "addr", "add", address, "dev", setup.bridge], check=True, capture_output=True)
    subprocess.run(["ip", "link", "set", setup.bridge, "up"], check=True, capture_output=True)


def _image(api: Api, name: str, kind: str, path: Path) -> None:
    if not api.exists("one.imagepool.info", "IMAGE", name):
        api("one.image.allocate", f'NAME = "{name}"\nTYPE = "{kind}"\nPATH = "{path}"', FILES_DS, False)


def run(endpoint: str, home: Path, setup: LocalSetup) -> None:
    """Make whatever of the single-host set-up is missing."""
    api = Api(endpoint, (home / "one_auth").read_text().strip())
    if not api.exists("one.hostpool.info", "HOST", HOST):
        api("one.host.allocate", HOST, "kvm", "kvm", -1)
    guest = build(home / "guest")
    _image(api, f"{TEMPLATE}-kernel", "KERNEL", guest.kernel)
    _image(api, f"{TEMPLATE}-initrd", "RAMDISK", guest.initrd)
    bridge_up(setup)
    if not api.exists("one.vnpool.info", "VNET", VNET):
        first = setup.network.network_address + 10
        api("one.vn.allocate", f'''NAME = "{VNET}"
VN_MAD = "bridge"
BRIDGE = "{setup.bridge}"
NETWORK_ADDRESS = "{setup.network.network_address}"
NETWORK_MASK = "{setup.network.netmask}"
GATEWAY = "{setup.gateway}"
AR = [ TYPE = "IP4", IP = "{first}", SIZE = "{min(200, setup.network.num_addresses - 12)}" ]''', -1)
    if not api.exists("one.templatepool.info", "VMTEMPLATE", TEMPLATE):
        api("one.template.allocate", f'''NAME = "{TEMPLATE}"
CPU = 0.5
VCPU = 1
MEMORY = 128
OS = [ KERNEL_DS = "$FILE[IMAGE={TEMPLATE}-kernel]", INITRD_DS = "$FILE[IMAGE={TEMPLATE}-initrd]",
       KERNEL_CMD = "{KERNEL_CMD}" ]
NIC = [ NETWORK = "{VNET}" ]
CONTEXT = [ NETWORK = "YES", SET_HOSTNAME = "$NAME" ]''')
    log.info("single-host set-up ready: host %s, network %s on %s, template %s", HOST, VNET, setup.bridge,
             TEMPLATE)
