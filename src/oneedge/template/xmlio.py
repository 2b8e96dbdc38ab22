"""Templates as OpenNebula XML: ``<TEMPLATE><NAME><![CDATA[v]]></NAME>...``."""

from __future__ import annotations

from lxml import etree

from oneedge.template.errors import TemplateError
from oneedge.template.lexer import NAME_RE
from oneedge.template.model import SingleAttribute, Template, VectorAttribute

# NOTE: templates come from users; never resolve entities nor fetch DTDs.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _text(parent: etree._Element, tag: str, value: str) -> None:
    child = etree.SubElement(parent, tag)
    try:
        # CDATA cannot hold its own end marker; plain text escapes anything.
        child.text = etree.CDATA(value) if "]]>" not in value else value
    except ValueError as exc:
        raise TemplateError(f"value of {tag} cannot be written as XML: {exc}") from None


def to_xml(tmpl: Template, tag: str = "TEMPLATE") -> etree._Element:
    root = etree.Element(tag)
    for attr in tmpl.attributes:
        if isinstance(attr, SingleAttribute):
            _text(root, attr.name, attr.value)
        else:
            vector = etree.SubElement(root, attr.name)
            for key, value in attr.items:
                _text(vector, key, value)
    return root


def _elements(element: etree._Element) -> list[etree._Element]:
    # Comments and processing instructions have a non-str tag.
    return [child for child in element if isinstance(child.tag, str)]


def _name(element: etree._Element) -> str:
    name = etree.QName(element).localname
    if NAME_RE.fullmatch(name) is None:
        raise TemplateError(f"invalid attribute name {name!r} in XML template")
    return name.upper()


def from_xml(element: etree._Element) -> Template:
    tmpl = Template()
    for child in _elements(element):
        grandchildren = _elements(child)
        if grandchildren:
            items = [(_name(g), "".join(g.itertext())) for g in grandchildren]
            tmpl.add(VectorAttribute(_name(child), items))
        else:
            tmpl.add(SingleAttribute(_name(child), "".join(child.itertext())))
    return tmpl


def parse_xml(text: str) -> Template:
    """Parse an XML template (any root tag); raise TemplateError when malformed."""
    if not isinstance(text, str):
        raise TemplateError(f"a template must be a str, not {type(text).__name__}")
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), _PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise TemplateError(f"malformed XML template: {exc.msg}", line, column) from None
    except (ValueError, UnicodeError) as exc:
        raise TemplateError(f"malformed XML template: {exc}") from None
    if root is None:
        raise TemplateError("malformed XML template: no root element")
    return from_xml(root)
