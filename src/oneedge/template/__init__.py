"""OpenNebula's template language, read and written losslessly.

``parse(text).to_text() == text`` for any text ``parse`` accepts; what is
changed or added afterwards is printed in OpenNebula's canonical form.
"""

from __future__ import annotations

from oneedge.template.errors import TemplateError
from oneedge.template.model import Attribute, SingleAttribute, Template, VectorAttribute
from oneedge.template.parser import parse
from oneedge.template.xmlio import parse_xml


def parse_any(text: str) -> Template:
    """Parse XML when the text starts with '<' (as oned does), else the template language."""
    if isinstance(text, str) and text.strip().startswith("<"):
        return parse_xml(text)
    return parse(text)


__all__ = [
    "Attribute",
    "SingleAttribute",
    "Template",
    "TemplateError",
    "VectorAttribute",
    "parse",
    "parse_any",
    "parse_xml",
]
