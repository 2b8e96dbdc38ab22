"""OpenNebula XML documents as the CLI prints them: element text, template syntax, dicts.

Documents are parsed into :class:`~oneedge.cli.xmldoc.Node` trees (cheap to
import, see there); output shapes follow OpenNebula's CLI.
"""

from __future__ import annotations

from oneedge.cli.errors import CliError
from oneedge.cli.xmldoc import Node as Element

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from typing import Any


def parse(xml: str) -> Element:
    """The root element of a document the API returned."""
    from pyexpat import ExpatError

    from oneedge.cli.xmldoc import parse

    try:
        return parse(xml)
    except ExpatError as exc:
        raise CliError(f"The front-end returned a malformed document: {exc}") from None


def text(element: Element, path: str, default: str = "") -> str:
    """Text of the element at ``path`` (``default`` if missing, "" if empty)."""
    found = element.find(path)
    if found is None:
        return default
    return found.text or ""


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def template_str(element: Element | None, indent: str = "") -> str:
    """An OpenNebula template (``TEMPLATE``/``USER_TEMPLATE`` element) in its own syntax:
    ``KEY="value"`` lines, vectors as ``KEY=[`` ... ``]``, keys in document order."""
    if element is None:
        return ""
    lines = []
    for child in element:
        if len(child):
            inner = [f"{indent}  {c.tag}={_quote(c.text or '')}" for c in child]
            lines.append(f"{indent}{child.tag}=[\n" + ",\n".join(inner) + " ]")
        else:
            lines.append(f"{indent}{child.tag}={_quote(child.text or '')}")
    return "\n".join(lines)


def to_hash(element: Element, arrays: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``{root tag: value}`` as OpenNebula's ``to_hash``: leaves are strings, empty
    elements ``{}``, repeated children lists; paths in ``arrays`` are always lists."""
    return {element.tag: _value(element, element.tag, arrays)}


def _value(element: Element, path: str, arrays: frozenset[str]) -> Any:
    if len(element) == 0:
        return element.text if element.text else {}
    out: dict[str, Any] = {}
    for child in element:
        value = _value(child, f"{path}/{child.tag}", arrays)
        if child.tag in out:
            current = out[child.tag]
            if isinstance(current, list) and (f"{path}/{child.tag}" in arrays or getattr(current, "_many", False)):
                current.append(value)
            else:
                out[child.tag] = _Many([current, value])
        elif f"{path}/{child.tag}" in arrays:
            out[child.tag] = _Many([value])
        else:
            out[child.tag] = value
    return out


class _Many(list):  # type: ignore[type-arg]
    """A list made from repeated elements (a repeated element may itself hold a list value)."""

    _many = True


def dump_json(data: dict[str, Any]) -> str:
    """As Ruby's ``JSON.pretty_generate``: two-space indent, UTF-8 kept."""
    import json

    return json.dumps(data, indent=2, ensure_ascii=False)


def dump_yaml(data: dict[str, Any]) -> str:
    """As Ruby's ``to_yaml(indent: 4)``: a ``---`` document, strings quoted when they look like numbers."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.explicit_start = True
    yaml.representer.sort_base_mapping_type_on_output = False  # keep document order
    yaml.indent(mapping=4, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(_plain(data), out)
    return out.getvalue().rstrip("\n")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
