"""A VM's disk snapshots: the ``<SNAPSHOTS>`` element of each disk in the VM document.

As OpenNebula's ``src/vm/Snapshots.cc`` keeps them with ALLOW_ORPHANS = NO
(its DENY mode): snapshots form a tree, a new one is a child of the active
one, the active one (``ACTIVE = YES``) is what the disk was last created
from or reverted to. Elements follow vm.xsd's order. Pure: these functions
edit the lxml tree they are given and return errors as strings ("" when fine).
"""

from __future__ import annotations

from lxml import etree

#: vm.xsd: SNAPSHOTS come after HISTORY_RECORDS, before BACKUPS.
_BEFORE = "BACKUPS"
_SNAPSHOT_ORDER = ("ACTIVE", "CHILDREN", "DATE", "ID", "NAME", "PARENT", "SIZE")


def _child(parent: etree._Element, tag: str, text: object) -> etree._Element:
    node = etree.SubElement(parent, tag)
    node.text = str(text)
    return node


def find(root: etree._Element, disk_id: int) -> etree._Element | None:
    return next((node for node in root.iterfind("SNAPSHOTS") if node.findtext("DISK_ID") == str(disk_id)), None)


def snapshot(root: etree._Element, disk_id: int, snap_id: int) -> etree._Element | None:
    group = find(root, disk_id)
    if group is None:
        return None
    return next((node for node in group.iterfind("SNAPSHOT") if node.findtext("ID") == str(snap_id)), None)


def _active(group: etree._Element) -> int:
    return next((int(node.findtext("ID") or -1) for node in group.iterfind("SNAPSHOT")
                 if (node.findtext("ACTIVE") or "").upper() == "YES"), -1)


def _set(node: etree._Element, tag: str, value: object | None) -> None:
    """Set (None: remove) a SNAPSHOT attribute, keeping vm.xsd's order."""
    old = node.find(tag)
    if old is not None:
        node.remove(old)
    if value is None:
        return
    new = etree.Element(tag)
    new.text = str(value)
    rank = _SNAPSHOT_ORDER.index(tag)
    after = next((c for c in node if c.tag in _SNAPSHOT_ORDER and _SNAPSHOT_ORDER.index(c.tag) > rank), None)
    if after is None:
        node.append(new)
    else:
        after.addprevious(new)


def _children(node: etree._Element) -> list[int]:
    return [int(c) for c in (node.findtext("CHILDREN") or "").split(",") if c.strip()]


def _set_children(node: etree._Element, children: list[int]) -> None:
    _set(node, "CHILDREN", ",".join(str(c) for c in sorted(set(children))) or None)


def create(root: etree._Element, disk_id: int, name: str, size_mb: int, now: int) -> int:
    """Add a snapshot of the disk (a child of the active one); answer its ID."""
    group = find(root, disk_id)
    if group is None:
        group = etree.Element("SNAPSHOTS")
        for tag, value in (("ALLOW_ORPHANS", "NO"), ("CURRENT_BASE", -1), ("DISK_ID", disk_id),
                           ("NEXT_SNAPSHOT", 0)):
            _child(group, tag, value)
        later = [n for n in root.iterfind("SNAPSHOTS") if int(n.findtext("DISK_ID") or -1) > disk_id]
        anchor = later[0] if later else root.find(_BEFORE)
        if anchor is None:
            root.append(group)
        else:
            anchor.addprevious(group)
    next_node = group.find("NEXT_SNAPSHOT")
    snap_id = int(next_node.text or 0)
    next_node.text = str(snap_id + 1)
    parent = _active(group)
    node = etree.SubElement(group, "SNAPSHOT")
    _child(node, "DATE", now)
    _child(node, "ID", snap_id)
    if name:
        _child(node, "NAME", name)
    _child(node, "PARENT", parent)
    _child(node, "SIZE", size_mb)
    if parent != -1:
        parent_node = snapshot(root, disk_id, parent)
        _set_children(parent_node, _children(parent_node) + [snap_id])
    return snap_id


def activate(root: etree._Element, disk_id: int, snap_id: int) -> None:
    """The disk now is (or derives from) this snapshot: Snapshots::active_snapshot."""
    group = find(root, disk_id)
    target = snapshot(root, disk_id, snap_id)
    if group is None or target is None:
        return
    for node in group.iterfind("SNAPSHOT"):
        _set(node, "ACTIVE", None)
    _set(target, "ACTIVE", "YES")


def check_delete(root: etree._Element, disk_id: int, snap_id: int) -> str:
    """Why the snapshot cannot be deleted ("" when it can): Snapshots::test_delete, DENY mode."""
    node = snapshot(root, disk_id, snap_id)
    if node is None:
        return "Snapshot does not exist"
    children = _children(node)
    active = (node.findtext("ACTIVE") or "").upper() == "YES"
    if len(children) > 1:
        return "Cannot delete snapshot with more than one children"
    if children and active:
        return "Cannot delete the active snapshot with children"
    if children:
        child = snapshot(root, disk_id, children[0])
        if child is not None and (len(_children(child)) > 1 or _children(child)
                                  and (child.findtext("ACTIVE") or "").upper() == "YES"):
            return "Cannot delete snapshot if child has children"
    return ""


def delete(root: etree._Element, disk_id: int, snap_id: int) -> None:
    """Remove a snapshot; its only child takes its place, its parent becomes active if it was.
    The disk's SNAPSHOTS go when the last one does."""
    group = find(root, disk_id)
    node = snapshot(root, disk_id, snap_id)
    if group is None or node is None:
        return
    parent_id = int(node.findtext("PARENT") or -1)
    parent = snapshot(root, disk_id, parent_id) if parent_id != -1 else None
    children = _children(node)
    if parent is not None:
        siblings = [c for c in _children(parent) if c != snap_id]
        if len(children) == 1:
            siblings.append(children[0])
        _set_children(parent, siblings)
        if (node.findtext("ACTIVE") or "").upper() == "YES":
            _set(parent, "ACTIVE", "YES")
    if len(children) == 1:
        child = snapshot(root, disk_id, children[0])
        if child is not None:
            _set(child, "PARENT", parent_id)
    group.remove(node)
    if group.find("SNAPSHOT") is None:
        root.remove(group)


def rename(root: etree._Element, disk_id: int, snap_id: int, name: str) -> str:
    node = snapshot(root, disk_id, snap_id)
    if node is None:
        return "Snapshot does not exist"
    _set(node, "NAME", name)
    return ""


def size(root: etree._Element, disk_id: int, snap_id: int) -> int:
    node = snapshot(root, disk_id, snap_id)
    return int(node.findtext("SIZE") or 0) if node is not None else 0
