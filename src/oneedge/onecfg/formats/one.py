"""ONE: files in OpenNebula's template language (oned.conf, monitord.conf...).

The structured view is a tree: single attributes map to the list of their
value tokens (quotes kept, as in OpenNebula's descriptors); vector
attributes map to ``{id: {key: [tokens]}}`` where ``id`` is the NAME of
repeated sections such as ``VM_MAD`` and ``None`` for unique vectors such as
``DB``.  Text is edited through ``oneedge.template``, so comments and layout
of everything untouched are kept.
"""

from __future__ import annotations

from typing import Any

from oneedge.onecfg.change import MISSING, Change
from oneedge.onecfg.errors import OnecfgError, PatchError
from oneedge.onecfg.formats.base import ConfigFile, PatchReport
from oneedge.template import SingleAttribute, Template, TemplateError, VectorAttribute, parse

# Repeated vector attributes and the key that identifies each of them.
SECTIONS = {
    name: "NAME"
    for name in (
        "IM_MAD", "VM_MAD", "VM_HOOK", "VNET_HOOK", "USER_HOOK", "GROUP_HOOK", "IMAGE_HOOK",
        "HOST_HOOK", "TM_MAD_CONF", "DS_MAD_CONF", "MARKET_MAD_CONF", "AUTH_MAD_CONF",
        "VN_MAD_CONF",
    )
}  # fmt: skip

# Single attributes meant to be repeated, each value standing for itself.
MULTIPLE = frozenset(
    f"{kind}_{what}_ATTR"
    for kind, what in [
        ("VM", "RESTRICTED"), ("IMAGE", "RESTRICTED"), ("VNET", "RESTRICTED"),
        ("USER", "RESTRICTED"), ("GROUP", "RESTRICTED"), ("DOCUMENT", "ENCRYPTED"),
        ("HOST", "ENCRYPTED"), ("IMAGE", "ENCRYPTED"), ("VM", "ENCRYPTED"),
        ("VNET", "ENCRYPTED"), ("DATASTORE", "ENCRYPTED"), ("CLUSTER", "ENCRYPTED"),
        ("INHERIT", "DATASTORE"), ("INHERIT", "IMAGE"), ("INHERIT", "VNET"),
    ]
)  # fmt: skip

Tree = dict[str, Any]


class ONE(ConfigFile):
    SAFE_MODES = ("skip",)
    SECTIONS = SECTIONS

    def parse(self) -> None:
        try:
            self.template: Template = parse(self.text)
        except TemplateError as exc:
            raise OnecfgError(str(exc)) from None
        self.tree()  # validates the structure

    def to_text(self) -> str:
        return self.template.to_text()

    # --- structured view ---------------------------------------------------

    def tree(self) -> Tree:
        tree: Tree = {}
        for attr in self.template.attributes:
            if isinstance(attr, SingleAttribute):
                values = tree.setdefault(attr.name, [])
                if not isinstance(values, list):
                    raise OnecfgError(f"{attr.name} is both a single and a vector attribute")
                values.append(attr.token)
                continue
            sections = tree.setdefault(attr.name, {})
            if not isinstance(sections, dict):
                raise OnecfgError(f"{attr.name} is both a single and a vector attribute")
            ident = self._ident(attr)
            if ident in sections:
                what = "sections of" if ident is None else f"identification {ident} for"
                raise OnecfgError(f"invalid multiple {what} {attr.name}")
            body: dict[str, list[str]] = {}
            for key, token in attr.tokens():
                body.setdefault(key, []).append(token)
            sections[ident] = body
        return tree

    @staticmethod
    def _ident(attr: VectorAttribute) -> str | None:
        id_key = SECTIONS.get(attr.name)
        if id_key is None:
            return None
        ids = [token for key, token in attr.tokens() if key == id_key]
        if len(ids) != 1:
            raise OnecfgError(f"{attr.name} needs exactly one {id_key}, found {len(ids)}")
        return ids[0]

    # --- diff --------------------------------------------------------------

    def diff(self, other: ConfigFile) -> list[Change]:
        if not isinstance(other, ONE):
            raise OnecfgError("cannot compare a ONE file with another format")
        return _diff_tree(self.tree(), other.tree(), [])

    # --- patch -------------------------------------------------------------

    def _vector(self, change: Change, modes: tuple[str, ...]) -> VectorAttribute | None | PatchReport:
        """The vector a change addresses (None: top level), created if needed."""
        path = [str(p) for p in change.path]
        if not path:
            return None
        name = path[0].upper()
        vectors = self.template.vectors(name)
        if len(path) == 1:
            if len(vectors) > 1:
                raise PatchError(f"{name} is expected once but is repeated")
            if vectors:
                return vectors[0]
            if change.state == "ins" and change.key is not None:
                vector = VectorAttribute(name)
                self.template.add(vector)
                return vector
            return self.conflict(change, modes, f"section {name} not found")
        if len(path) > 2:
            raise PatchError(f"path {'/'.join(path)} is too deep for a ONE file")
        id_key = SECTIONS.get(name)
        if id_key is None:
            raise PatchError(f"unknown identification key for section {name}")
        found = [v for v in vectors if id_key in dict(v.tokens()) and dict(v.tokens())[id_key] == path[1]]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise PatchError(f"section {name}[{id_key}={path[1]}] is repeated")
        if change.state == "ins" and str(change.key).upper() == id_key:
            vector = VectorAttribute(name)
            anchor = vectors[-1] if vectors else None
            if anchor is not None:
                self.template.insert_after(anchor, vector)
            else:
                self.template.add(vector)
            return vector
        return self.conflict(change, modes, f"section {name}[{id_key}={path[1]}] not found")

    def apply(self, change: Change, modes: tuple[str, ...]) -> PatchReport:
        target = self._vector(change, modes)
        if isinstance(target, PatchReport):
            return target
        if change.key is None:
            return self._remove_vector(change, target)
        key = str(change.key).upper()
        slot = _Slot(self.template, target, key)
        multiple = key in MULTIPLE and target is None or bool(change.extra.get("multiple"))
        if change.state == "rm":
            return slot.remove(change, multiple)
        if change.state == "ins":
            return slot.insert(change, modes, multiple)
        return slot.set(change, modes)

    def _remove_vector(self, change: Change, target: VectorAttribute | None) -> PatchReport:
        if change.state != "rm" or target is None:
            raise PatchError(f"a change without key must remove a section, not {change.state}")
        self.template.discard(target)
        return PatchReport(change, True)


class _Slot:
    """All values of one key, at top level or inside one vector."""

    def __init__(self, template: Template, vector: VectorAttribute | None, key: str) -> None:
        self.template, self.vector, self.key = template, vector, key

    def tokens(self) -> list[str]:
        if self.vector is None:
            return [a.token for a in self.template.get_all(self.key) if isinstance(a, SingleAttribute)]
        return [token for key, token in self.vector.tokens() if key == self.key]

    def _singles(self) -> list[SingleAttribute]:
        return [a for a in self.template.get_all(self.key) if isinstance(a, SingleAttribute)]

    def _positions(self) -> list[int]:
        assert self.vector is not None
        return [i for i, (key, _) in enumerate(self.vector.tokens()) if key == self.key]

    def remove_nth(self, n: int) -> None:
        if self.vector is None:
            self.template.discard(self._singles()[n])
        else:
            self.vector.remove_at(self._positions()[n])

    def set_nth(self, n: int, token: str) -> None:
        if self.vector is None:
            self._singles()[n].token = token
        else:
            self.vector.set_token_at(self._positions()[n], token)

    def append(self, token: str) -> None:
        if self.vector is not None:
            self.vector.append_token(self.key, token)
            return
        attr = SingleAttribute(self.key, "")
        attr.token = token
        singles = self._singles()
        if singles:
            self.template.insert_after(singles[-1], attr)
        else:
            self.template.add(attr)

    def collapse(self, token: str) -> None:
        """Keep one value only: ``token``."""
        for _ in range(len(self.tokens()) - 1):
            self.remove_nth(len(self.tokens()) - 1)
        if self.tokens():
            self.set_nth(0, token)
        else:
            self.append(token)

    def remove(self, change: Change, multiple: bool) -> PatchReport:
        found = self.tokens()
        if multiple:
            if change.old in found:
                self.remove_nth(found.index(change.old))
                return PatchReport(change, True)
            return PatchReport(change, False)
        for _ in found:
            self.remove_nth(0)
        return PatchReport(change, bool(found))

    def insert(self, change: Change, modes: tuple[str, ...], multiple: bool) -> PatchReport:
        value = _token(change.value)
        found = self.tokens()
        if not found:
            self.append(value)
            return PatchReport(change, True)
        if multiple:
            if value in found:
                return PatchReport(change, False)
            self.append(value)
            return PatchReport(change, True)
        if value in found and len(found) == 1:
            return PatchReport(change, False)
        if "replace" in modes:
            self.collapse(value)
            return PatchReport(change, True, "replace")
        if len(found) == 1:
            return PatchReport(change, False)  # the administrator's value wins
        return ConfigFile.conflict(change, modes, f"{self.key} is repeated and none is {value}")

    def set(self, change: Change, modes: tuple[str, ...]) -> PatchReport:
        value = _token(change.value)
        found = self.tokens()
        if found and found[0] == _token(change.old):
            self.set_nth(0, value)
            return PatchReport(change, True)
        if "replace" in modes:
            self.collapse(value)
            return PatchReport(change, True, "replace")
        if not found:
            return ConfigFile.conflict(change, modes, f"{self.key} to update is missing")
        return PatchReport(change, False)  # customized: the administrator's value wins


def _token(value: Any) -> str:
    if value is MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- tree diff (same results as OpenNebula's onecfg for its descriptors) ---


def _change(state: str, path: list[Any], key: Any, **kw: Any) -> Change:
    return Change(state, [p for p in path if p is not None], key, **kw)


def _diff_tree(tree1: Tree, tree2: Tree, path: list[Any]) -> list[Change]:
    out: list[Change] = []
    for key in list(tree1) + [k for k in tree2 if k not in tree1]:
        here = path + [key]
        if key in tree1 and key in tree2:
            val1, val2 = tree1[key], tree2[key]
            if type(val1) is type(val2):
                if isinstance(val1, dict):
                    out += _diff_tree(val1, val2, here)
                else:
                    out += _diff_values(val1, val2, here)
            else:
                out.append(_change("rm", path, key, old=val1))
                out += _diff_insert(val2, here)
        elif key in tree1:
            out += _diff_remove(tree1[key], here)
        else:
            out += _diff_insert(tree2[key], here)
    return out


def _is_multiple(path: list[Any]) -> bool:
    names = [p for p in path if p is not None]
    return bool(names) and names[0] in MULTIPLE


def _diff_values(old: list[str], new: list[str], path: list[Any]) -> list[Change]:
    if old == new:
        return []
    parent, key = path[:-1], path[-1]
    is_m = _is_multiple(path)
    if len(old) == 1 and len(new) == 1 and not is_m:
        return [_change("set", parent, key, value=new[0], old=old[0])]
    found_m = len(old) > 1 or len(new) > 1
    extra = {"multiple": found_m or is_m}
    out: list[Change] = []
    if found_m and not is_m and len(new) == 1:
        if new[0] in old:
            for val in _unique(v for v in old if v not in new):
                out.append(_change("rm", parent, key, old=val, extra=dict(extra)))
        else:
            for val in _unique(old[1:]):
                out.append(_change("rm", parent, key, old=val, extra=dict(extra)))
            out.append(_change("set", parent, key, value=new[0], old=old[0]))
        return out
    for val in _unique(old + new):
        if val in old and val not in new:
            out.append(_change("rm", parent, key, old=val, extra=dict(extra)))
        elif val in new and val not in old:
            out.append(_change("ins", parent, key, value=val, extra=dict(extra)))
    return out


def _diff_remove(tree: Any, path: list[Any]) -> list[Change]:
    if isinstance(tree, dict):
        return [_change("rm", path, None)]
    many = len(tree) > 1
    return [_change("rm", path[:-1], path[-1], old=v, extra={"multiple": many}) for v in tree]


def _diff_insert(tree: Any, path: list[Any]) -> list[Change]:
    if isinstance(tree, dict):
        keys = list(tree)
        id_key = SECTIONS.get(path[0])
        if id_key in keys:  # the identification goes first: it creates the section
            keys.remove(id_key)
            keys.insert(0, id_key)
        out: list[Change] = []
        for key in keys:
            out += _diff_insert(tree[key], path + [key])
        return out
    many = len(tree) > 1
    return [_change("ins", path[:-1], path[-1], value=v, extra={"multiple": many}) for v in tree]


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(values))
