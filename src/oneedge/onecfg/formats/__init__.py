"""Configuration file formats, by name.

OpenNebula's names (``Augeas::ONE``, ``Augeas::Shell``, ``Yaml::Strict``)
are accepted as aliases so its descriptors and file lists load unchanged.
"""

from __future__ import annotations

import importlib

from oneedge.onecfg.errors import OnecfgError
from oneedge.onecfg.formats.base import ConfigFile

_FORMATS = {
    "Simple": "oneedge.onecfg.formats.simple:Simple",
    "ONE": "oneedge.onecfg.formats.one:ONE",
    "Shell": "oneedge.onecfg.formats.shell:Shell",
    "Yaml": "oneedge.onecfg.formats.yaml:Yaml",
    "YamlStrict": "oneedge.onecfg.formats.yaml:YamlStrict",
}
_ALIASES = {"Augeas::ONE": "ONE", "Augeas::Shell": "Shell", "Yaml::Strict": "YamlStrict"}


def canonical(name: str) -> str:
    name = _ALIASES.get(name, name)
    if name not in _FORMATS:
        raise OnecfgError(f"unknown file class {name!r}: use one of {', '.join(_FORMATS)}")
    return name


def format_class(name: str) -> type[ConfigFile]:
    module, _, attr = _FORMATS[canonical(name)].partition(":")
    cls: type[ConfigFile] = getattr(importlib.import_module(module), attr)
    return cls
