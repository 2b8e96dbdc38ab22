"""Which class each object kind's documents are, imported lazily by name."""

from __future__ import annotations

import importlib

from oneedge.pool.object import PoolObject
from oneedge.pool.types import ObjectType

POOL_CLASSES: dict[ObjectType, str] = {
    ObjectType.GROUP: "oneedge.pool.group:Group",
    ObjectType.USER: "oneedge.pool.user:User",
    ObjectType.CLUSTER: "oneedge.pool.cluster:Cluster",
    ObjectType.HOST: "oneedge.pool.host:Host",
    ObjectType.ZONE: "oneedge.pool.zone:Zone",
    ObjectType.DOCUMENT: "oneedge.pool.document:Document",
    ObjectType.HOOK: "oneedge.pool.hook:Hook",
    ObjectType.TEMPLATE: "oneedge.pool.vmtemplate:VMTemplate",
    ObjectType.VM: "oneedge.pool.vm:VirtualMachine",
    ObjectType.DATASTORE: "oneedge.pool.datastore:Datastore",
    ObjectType.IMAGE: "oneedge.pool.image:Image",
    ObjectType.MARKETPLACE: "oneedge.pool.market:Market",
    ObjectType.MARKETPLACEAPP: "oneedge.pool.marketapp:MarketApp",
    ObjectType.SECGROUP: "oneedge.pool.secgroup:SecurityGroup",
    ObjectType.NET: "oneedge.pool.vnet:VirtualNetwork",
    ObjectType.VNTEMPLATE: "oneedge.pool.vntemplate:VNTemplate",
}


def object_class(kind: ObjectType) -> type[PoolObject]:
    module, _, name = POOL_CLASSES[kind].partition(":")
    cls = getattr(importlib.import_module(module), name)
    if cls.TYPE is not kind:
        raise TypeError(f"{POOL_CLASSES[kind]} is registered for {kind.name} but is {cls.TYPE.name}")
    return cls
