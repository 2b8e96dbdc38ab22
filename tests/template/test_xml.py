"""Templates as OpenNebula XML."""

from __future__ import annotations

import pytest
from lxml import etree

from oneedge.template import Template, TemplateError, VectorAttribute, parse, parse_any, parse_xml


def test_to_xml_uses_cdata_and_upper_names() -> None:
    tmpl = parse('name = vm\ndisk = [ image = "a", size = 1 ]\n')
    xml = etree.tostring(tmpl.to_xml()).decode()
    assert xml == (
        "<TEMPLATE><NAME><![CDATA[vm]]></NAME>"
        "<DISK><IMAGE><![CDATA[a]]></IMAGE><SIZE><![CDATA[1]]></SIZE></DISK></TEMPLATE>"
    )
    assert tmpl.to_xml("USER_TEMPLATE").tag == "USER_TEMPLATE"


def test_to_xml_value_with_cdata_marker_is_escaped_text() -> None:
    tmpl = Template([VectorAttribute("V", [("K", "a]]>b")])])
    xml = etree.tostring(tmpl.to_xml())
    assert b"a]]&gt;b" in xml
    assert parse_xml(xml.decode()).vectors("V")[0].get("K") == "a]]>b"


def test_to_xml_refuses_control_characters_with_template_error() -> None:
    tmpl = parse('A = "\x01"')
    with pytest.raises(TemplateError):
        tmpl.to_xml()


def test_parse_xml_plain_and_cdata_any_root() -> None:
    tmpl = parse_xml(
        "<VM><name>x</name><DISK><IMAGE><![CDATA[a b]]></IMAGE><!-- c --><SIZE>2</SIZE></DISK>"
        "<EMPTY/><DISK><IMAGE>c</IMAGE></DISK></VM>"
    )
    assert tmpl.get("NAME") == "x"
    assert tmpl.get("EMPTY") == ""
    assert [v.items for v in tmpl.vectors("DISK")] == [[("IMAGE", "a b"), ("SIZE", "2")], [("IMAGE", "c")]]
    assert parse(tmpl.to_text()).attributes == tmpl.attributes


def test_xml_round_trip_of_logical_attributes() -> None:
    tmpl = parse('A = "x \\" y"\nD = [ K = "1", K = "2" ]\n')
    again = Template.from_xml(tmpl.to_xml())
    assert again.attributes == tmpl.attributes


@pytest.mark.parametrize(
    "text", ["<TEMPLATE>", "<A><B></A>", "", "not xml", "<A><B-C>1</B-C></A>", '<?xml version="1.0"?>']
)
def test_parse_xml_malformed_raises_template_error(text: str) -> None:
    with pytest.raises(TemplateError):
        parse_xml(text)


def test_parse_xml_does_not_expand_external_entities(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret"
    secret.write_text("s3cret")
    text = f'<!DOCTYPE T [<!ENTITY e SYSTEM "file://{secret}">]><T><A>&e;</A></T>'
    try:
        tmpl = parse_xml(text)
    except TemplateError:
        return
    assert "s3cret" not in (tmpl.get("A") or "")


def test_parse_any_dispatches_on_first_character() -> None:
    assert parse_any("  <T><A>1</A></T>").get("A") == "1"
    assert parse_any("A = 1").get("A") == "1"
    with pytest.raises(TemplateError):
        parse_any("<T>")
