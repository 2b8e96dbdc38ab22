"""Object kinds, with the bits OpenNebula's ACL rules use and the names its messages use."""

from __future__ import annotations

from enum import Enum


class ObjectType(Enum):
    """Every kind of pool object.

    ``bit`` is the resource bit of OpenNebula's ACL rules (``PoolObjectSQL.h``),
    which ``one.acl.*`` exchange as hexadecimal strings; ``label`` is the noun
    used in error messages (``Request::object_name``); ``acl_name`` is the
    string form used in ACL rule strings.
    """

    VM = (0x0000001000000000, "virtual machine", "VM")
    HOST = (0x0000002000000000, "host", "HOST")
    NET = (0x0000004000000000, "virtual network", "NET")
    IMAGE = (0x0000008000000000, "image", "IMAGE")
    USER = (0x0000010000000000, "user", "USER")
    TEMPLATE = (0x0000020000000000, "virtual machine template", "TEMPLATE")
    GROUP = (0x0000040000000000, "group", "GROUP")
    ACL = (0x0000080000000000, "ACL", "ACL")
    DATASTORE = (0x0000100000000000, "datastore", "DATASTORE")
    CLUSTER = (0x0000200000000000, "cluster", "CLUSTER")
    DOCUMENT = (0x0000400000000000, "document", "DOCUMENT")
    ZONE = (0x0000800000000000, "zone", "ZONE")
    SECGROUP = (0x0001000000000000, "security group", "SECGROUP")
    VDC = (0x0002000000000000, "VDC", "VDC")
    VROUTER = (0x0004000000000000, "virtual router", "VROUTER")
    MARKETPLACE = (0x0008000000000000, "marketplace", "MARKETPLACE")
    MARKETPLACEAPP = (0x0010000000000000, "marketplaceapp", "MARKETPLACEAPP")
    VMGROUP = (0x0020000000000000, "vm group", "VMGROUP")
    VNTEMPLATE = (0x0040000000000000, "virtual network template", "VNTEMPLATE")
    HOOK = (0x0080000000000000, "hook", "HOOK")
    BACKUPJOB = (0x0100000000000000, "backup job", "BACKUPJOB")

    def __init__(self, bit: int, label: str, acl_name: str) -> None:
        self.bit = bit
        self.label = label
        self.acl_name = acl_name


class AuthOp(Enum):
    """Operations an authorization request asks for (``AuthRequest.h``)."""

    USE = 0x1
    MANAGE = 0x2
    ADMIN = 0x4
    CREATE = 0x8
