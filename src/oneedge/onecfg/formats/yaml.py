"""Yaml and Yaml strict: YAML files merged by key.

``Yaml`` treats arrays as sets (order does not matter, values are added or
removed); ``YamlStrict`` keeps their order, locating each change by index.
The data view is read with PyYAML (YAML 1.1, as OpenNebula's Ruby reads
these files); edits go through ruamel.yaml's round-trip mode and
``yamltext.render`` so comments and layout of untouched parts are kept.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import yaml as pyyaml
from ruamel.yaml.error import YAMLError as RuamelError

from oneedge.onecfg.change import MISSING, Change
from oneedge.onecfg.errors import OnecfgError, PatchError
from oneedge.onecfg.formats import yamltext
from oneedge.onecfg.formats.base import ConfigFile, PatchReport, plain


class Yaml(ConfigFile):
    STRICT: ClassVar[bool] = False

    def parse(self) -> None:
        try:
            self.data: Any = yamltext.load_plain(self.text)
        except pyyaml.YAMLError as exc:
            raise OnecfgError(" ".join(str(exc).split())) from None
        self._edit: Any = None  # ruamel tree, loaded on the first edit
        self._dirty = False

    def to_text(self) -> str:
        if self._dirty:
            before = new_tree(self.text)
            self.text = yamltext.render(self.text, before, self._edit, plain(self._edit))
            self.data = yamltext.load_plain(self.text)
            self._dirty = False
        return self.text

    def similar(self, other: ConfigFile) -> bool:
        if not isinstance(other, Yaml):
            return False
        return self.same(other) or equal(self.data, other.data, self.STRICT)

    # --- diff --------------------------------------------------------------

    def diff(self, other: ConfigFile) -> list[Change]:
        if not isinstance(other, Yaml):
            raise OnecfgError("cannot compare a Yaml file with another format")
        return self._diff(self.data, other.data, [])

    def _diff(self, one: Any, two: Any, path: list[Any]) -> list[Change]:
        if type(one) is not type(two):
            return [Change("set", path[:-1], path[-1] if path else None, value=two, old=one)]
        if isinstance(one, dict):
            out: list[Change] = []
            for key in list(one) + [k for k in two if k not in one]:
                if key in one and key in two:
                    out += self._diff(one[key], two[key], path + [key])
                elif key in one:
                    out.append(Change("rm", path, key, old=one[key]))
                else:
                    out.append(Change("ins", path, key, value=two[key]))
            return out
        if isinstance(one, list):
            return self._diff_list(one, two, path)
        if one is None or equal(one, two, self.STRICT):
            return []
        return [Change("set", path[:-1], path[-1] if path else None, value=two, old=one)]

    def _diff_list(self, one: list[Any], two: list[Any], path: list[Any]) -> list[Change]:
        out: list[Change] = []
        for value in _unique(one + two):
            in1, in2 = includes(one, value, False), includes(two, value, False)
            if in1 and not in2:
                out.append(Change("rm", path, None, old=value))
            elif in2 and not in1:
                out.append(Change("ins", path, None, value=value))
        return out

    # --- patch -------------------------------------------------------------

    def patch(self, changes: list[Change], modes: tuple[str, ...] | list[str] = ()) -> list[PatchReport]:
        reports = super().patch(changes, modes)
        self.to_text()  # refresh the data view
        return reports

    def apply(self, change: Change, modes: tuple[str, ...]) -> PatchReport:
        if self._edit is None:
            self._edit = new_tree(self.text)
        tree = self._edit
        for step in change.path:
            if isinstance(tree, dict) and step in tree:
                tree = tree[step]
            else:
                where = "/".join(str(p) for p in change.path)
                return self.conflict(change, modes, f"path {where} not found")
        report = {"rm": self._rm, "ins": self._ins, "set": self._set}[change.state](tree, change, modes)
        if report.applied:
            self._dirty = True
        return report

    def _rm(self, tree: Any, change: Change, modes: tuple[str, ...]) -> PatchReport:
        if change.key is not None:
            if not isinstance(tree, dict):
                return self.conflict(change, modes, f"expected a mapping at {change.location()}")
            present = change.key in tree
            tree.pop(change.key, None)
            return PatchReport(change, present)
        if not isinstance(tree, list):
            return self.conflict(change, modes, f"expected an array at {change.location()}")
        index = find(tree, change.old, self.STRICT)
        if index is None:
            return PatchReport(change, False)
        del tree[index]
        return PatchReport(change, True)

    def _ins(self, tree: Any, change: Change, modes: tuple[str, ...]) -> PatchReport:
        value = copy.deepcopy(change.value)
        if change.key is not None:
            if not isinstance(tree, dict):
                return self.conflict(change, modes, f"expected a mapping at {change.location()}")
            if change.key not in tree:
                tree[change.key] = value
                return PatchReport(change, True)
            if not equal(plain(tree[change.key]), value, self.STRICT) and "replace" in modes:
                tree[change.key] = value
                return PatchReport(change, True, "replace")
            return PatchReport(change, False)  # already customized: kept
        if not isinstance(tree, list):
            return self.conflict(change, modes, f"expected an array at {change.location()}")
        if includes(plain(tree), value, self.STRICT):
            return PatchReport(change, False)
        tree.append(value)
        return PatchReport(change, True)

    def _set(self, tree: Any, change: Change, modes: tuple[str, ...]) -> PatchReport:
        if change.key is None:
            raise PatchError("a set change needs a key")
        if not isinstance(tree, dict):
            return self.conflict(change, modes, f"expected a mapping at {change.location()}")
        if change.key in tree:
            if equal(plain(tree[change.key]), change.old, self.STRICT):
                tree[change.key] = copy.deepcopy(change.value)
                return PatchReport(change, True)
            if "replace" in modes:
                tree[change.key] = copy.deepcopy(change.value)
                return PatchReport(change, True, "replace")
            return PatchReport(change, False)  # customized: the administrator's value wins
        if "replace" in modes:
            tree[change.key] = copy.deepcopy(change.value)
            return PatchReport(change, True, "replace")
        return self.conflict(change, modes, f"{change.location()} to update is missing")


class YamlStrict(Yaml):
    """Arrays keep their order: changes carry the index they apply at."""

    STRICT = True
    SAFE_MODES = ("force",)

    def _diff_list(self, one: list[Any], two: list[Any], path: list[Any]) -> list[Change]:
        out: list[Change] = []
        idx = idx1 = idx2 = 0
        while idx1 < len(one) or idx2 < len(two):
            if idx1 < len(one) and idx2 < len(two):
                val1, val2 = one[idx1], two[idx2]
                if equal(val1, val2, True):
                    idx, idx1, idx2 = idx + 1, idx1 + 1, idx2 + 1
                elif any(equal(v, val1, True) for v in two[idx2 + 1 :]):
                    out.append(Change("ins", path, None, value=val2, old=val1, extra={"index": idx}))
                    idx, idx2 = idx + 1, idx2 + 1
                else:
                    out.append(Change("rm", path, None, old=val1, extra={"index": idx}))
                    idx1 += 1
            elif idx1 < len(one):
                out.append(Change("rm", path, None, old=one[idx1], extra={"index": idx}))
                idx1 += 1
            else:
                out.append(Change("ins", path, None, value=two[idx2], old=None, extra={"index": idx}))
                idx, idx2 = idx + 1, idx2 + 1
        return out

    def _rm(self, tree: Any, change: Change, modes: tuple[str, ...]) -> PatchReport:
        index = change.extra.get("index")
        if change.key is not None or index is None:
            return super()._rm(tree, change, modes)
        if not isinstance(tree, list):
            return self.conflict(change, modes, f"expected an array at {change.location()}")
        if index < len(tree) and equal(plain(tree[index]), change.old, True):
            del tree[index]
            return PatchReport(change, True)
        if "force" in modes:
            found = find(tree, change.old, True)
            if found is not None:
                del tree[found]
                return PatchReport(change, True, "force")
            return PatchReport(change, False, "force")
        return self.conflict(change, modes, f"{_show(change.old)} not found at index {index} of {change.location()}")

    def _ins(self, tree: Any, change: Change, modes: tuple[str, ...]) -> PatchReport:
        index = change.extra.get("index")
        if change.key is not None or index is None:
            return super()._ins(tree, change, modes)
        if not isinstance(tree, list):
            return self.conflict(change, modes, f"expected an array at {change.location()}")
        value = copy.deepcopy(change.value)
        if includes(plain(tree), value, True):
            return PatchReport(change, False)
        current = plain(tree[index]) if index < len(tree) else None
        old = None if change.old is MISSING else change.old
        if equal(current, old, True):
            tree.insert(min(index, len(tree)), value)
            return PatchReport(change, True)
        if "force" in modes:
            guess = find(tree, old, True) if old is not None else None
            at = guess if guess is not None and abs(guess - index) <= 1 else min(index, len(tree))
            tree.insert(at, value)
            return PatchReport(change, True, "force")
        return self.conflict(change, modes, f"{_show(old)} not found at index {index} of {change.location()}")


def new_tree(text: str) -> Any:
    try:
        return yamltext.new_yaml().load(text)
    except RuamelError as exc:
        raise PatchError(" ".join(str(exc).split())) from None


def equal(one: Any, two: Any, strict: bool) -> bool:
    """Deep equality; without ``strict`` arrays compare as sets."""
    one, two = plain(one), plain(two)
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(equal(one[k], two[k], strict) for k in one)
    if isinstance(one, list) and isinstance(two, list):
        if len(one) != len(two):
            return False
        if strict:
            return all(equal(a, b, True) for a, b in zip(one, two))
        return all(includes(two, a, False) for a in one) and all(includes(one, b, False) for b in two)
    return type(one) is type(two) and one == two


def includes(values: list[Any], value: Any, strict: bool) -> bool:
    return any(equal(v, value, strict) for v in values)


def find(values: list[Any], value: Any, strict: bool) -> int | None:
    for index, item in enumerate(values):
        if equal(item, value, strict):
            return index
    return None


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if not includes(out, value, True):
            out.append(value)
    return out


def _show(value: Any) -> str:
    text = repr(plain(value))
    return text if len(text) <= 80 else text[:77] + "..."
