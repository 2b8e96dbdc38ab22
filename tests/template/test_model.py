"""Editing templates: layout kept where untouched, canonical form for changes."""

from __future__ import annotations

import pytest

from oneedge.template import SingleAttribute, Template, TemplateError, VectorAttribute, parse

ONED = """# Daemon
PORT = 2633   # the port
LOG = [
  SYSTEM      = "file",
  DEBUG_LEVEL = 3
]

VM_MAD = [ NAME = "kvm", ARGUMENTS = "-t 15" ]
VM_MAD = [ NAME = "lxd" ]
"""


def test_get_get_all_vectors() -> None:
    tmpl = parse(ONED)
    assert tmpl.get("port") == "2633"
    assert tmpl.get("LOG") is None  # a vector, not a single attribute
    assert tmpl.get("MISSING") is None
    assert [v.get("name") for v in tmpl.vectors("vm_mad")] == ["kvm", "lxd"]
    assert len(tmpl.get_all("VM_MAD")) == 2
    assert tmpl.vectors("LOG")[0].get("debug_level") == "3"
    assert tmpl.vectors("LOG")[0].get("nope") is None


def test_set_existing_keeps_layout_and_quotes_new_value() -> None:
    tmpl = parse(ONED)
    tmpl.set("Port", "2634")
    assert tmpl.to_text() == ONED.replace("PORT = 2633", 'PORT = "2634"')


def test_set_same_value_keeps_raw_text() -> None:
    tmpl = parse(ONED)
    tmpl.set("PORT", "2633")
    assert tmpl.to_text() == ONED


def test_set_new_appends_canonical_line() -> None:
    tmpl = parse("A = 1")
    tmpl.set("B", 'say "hi"')
    assert tmpl.to_text() == 'A = 1\nB="say \\"hi\\""\n'
    assert parse(tmpl.to_text()).get("B") == 'say "hi"'


def test_add_vector_canonical_form() -> None:
    tmpl = Template()
    tmpl.add(VectorAttribute("DISK", [("IMAGE", "a"), ("SIZE", "1024")]))
    tmpl.add(VectorAttribute("NIC"))
    assert tmpl.to_text() == 'DISK=[\n  IMAGE="a",\n  SIZE="1024" ]\nNIC=[ ]\n'


def test_vector_set_add_remove_keep_layout() -> None:
    tmpl = parse(ONED)
    log = tmpl.vectors("LOG")[0]
    log.set("debug_level", "5")
    log.set("SYSTEM_EXTRA", "x")
    assert 'DEBUG_LEVEL = "5",\n  SYSTEM_EXTRA="x"\n]' in tmpl.to_text()
    assert log.remove("SYSTEM") == 1
    assert tmpl.to_text().startswith('# Daemon\nPORT = 2633   # the port\nLOG = [\n  DEBUG_LEVEL = "5"')
    assert parse(tmpl.to_text()).vectors("LOG")[0].items == [("DEBUG_LEVEL", "5"), ("SYSTEM_EXTRA", "x")]


def test_vector_single_line_add() -> None:
    tmpl = parse("V = [ A = 1, B = 2 ]\n")
    tmpl.vectors("V")[0].set("C", "3")
    assert tmpl.to_text() == 'V = [ A = 1, B = 2, C="3" ]\n'


def test_vector_remove_all_repeated_keys() -> None:
    vec = parse("V = [ S = a, T = 1, S = b ]").vectors("V")[0]
    assert vec.remove("s") == 2
    assert vec.items == [("T", "1")]
    assert vec.to_text() == "V = [ T = 1 ]"
    assert vec.remove("S") == 0


def test_remove_drops_the_attribute_line() -> None:
    tmpl = parse(ONED)
    assert tmpl.remove("vm_mad") == 2
    assert tmpl.to_text() == ONED.split("VM_MAD")[0]
    assert tmpl.remove("VM_MAD") == 0
    assert tmpl.remove("port") == 1
    assert tmpl.to_text().startswith("# Daemon\nLOG = [")


def test_remove_inline_attribute_keeps_neighbours() -> None:
    tmpl = parse("A = 1 B = 2\n")
    tmpl.remove("B")
    assert tmpl.to_text() == "A = 1 \n"
    assert parse(tmpl.to_text()).get("A") == "1"


def test_merge_replaces_by_name_and_appends_new() -> None:
    tmpl = parse(ONED)
    other = parse('PORT = 1\nVM_MAD = [ NAME = "firecracker" ]\nNEW = x\n')
    tmpl.merge(other)
    assert tmpl.get("PORT") == "1"
    assert [v.get("NAME") for v in tmpl.vectors("VM_MAD")] == ["firecracker"]
    assert tmpl.get("NEW") == "x"
    assert [a.name for a in tmpl.attributes] == ["PORT", "LOG", "VM_MAD", "NEW"]
    assert tmpl.to_text().startswith("# Daemon\nPORT = \"1\"   # the port\n")
    # the source template is not shared
    other.vectors("VM_MAD")[0].set("NAME", "changed")
    assert tmpl.vectors("VM_MAD")[0].get("NAME") == "firecracker"


def test_merge_more_attributes_than_present_keeps_order() -> None:
    tmpl = parse("D = [ I = 1 ]\nX = 1\n")
    tmpl.merge(parse("D = [ I = 2 ]\nD = [ I = 3 ]\n"))
    assert [v.get("I") for v in tmpl.vectors("D")] == ["2", "3"]
    assert [a.name for a in tmpl.attributes] == ["D", "D", "X"]
    assert parse(tmpl.to_text()).attributes == tmpl.attributes


def test_attribute_equality_is_logical() -> None:
    assert parse('a = "1"').attributes == [SingleAttribute("A", "1")]
    assert parse("v=[k=1]").attributes == [VectorAttribute("V", [("K", "1")])]
    assert SingleAttribute("A", "1") != VectorAttribute("A")


@pytest.mark.parametrize("name", ["", "A B", "A-B", "A=", 3])
def test_invalid_names_are_refused(name: object) -> None:
    with pytest.raises(TemplateError):
        SingleAttribute(name, "x")  # type: ignore[arg-type]
    with pytest.raises(TemplateError):
        VectorAttribute("V", [(name, "x")])  # type: ignore[list-item]


def test_non_str_values_are_refused() -> None:
    with pytest.raises(TemplateError):
        parse("A = 1").set("A", 2)  # type: ignore[arg-type]
    with pytest.raises(TemplateError):
        Template().add("A = 1")  # type: ignore[arg-type]
