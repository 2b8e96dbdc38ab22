"""Parsing: every construct of OpenNebula's grammar, escapes and errors."""

from __future__ import annotations

import pytest

from oneedge.template import SingleAttribute, TemplateError, VectorAttribute, parse


def logical(text: str) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for attr in parse(text).attributes:
        out.append((attr.name, attr.value if isinstance(attr, SingleAttribute) else attr.items))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   \n\n# only a comment\n", []),
        ("NAME = vm1\n", [("NAME", "vm1")]),
        ("NAME=vm1", [("NAME", "vm1")]),
        ('NAME = "my vm"\n', [("NAME", "my vm")]),
        ('NAME = ""\n', [("NAME", "")]),
        ("NAME =\nCPU = 1\n", [("NAME", ""), ("CPU", "1")]),
        ("NAME =   \n", [("NAME", "")]),
        ("name = x\nCpu = 2\n", [("NAME", "x"), ("CPU", "2")]),
        ("A = 1 # trailing comment\nB = 2\n", [("A", "1"), ("B", "2")]),
        ("A = 1 B = 2", [("A", "1"), ("B", "2")]),
        ("A\n  = 1\n", [("A", "1")]),
        ('A = "x\\"y"\n', [("A", 'x"y')]),
        ('A = "back\\slash"\n', [("A", "back\\slash")]),
        ('A = "two\nlines"\n', [("A", "two\nlines")]),
        ('A = "a # not a comment, [x] = y"\n', [("A", "a # not a comment, [x] = y")]),
        ("A = http://host:2633/RPC2\n", [("A", "http://host:2633/RPC2")]),
        ("A = caf\u00e9\n", [("A", "caf\u00e9")]),
        ("A = 1\r\nB = 2\r\n", [("A", "1"), ("B", "2")]),
        # flex takes the longest match: the bare word wins over the quotes.
        ('A = "x"y\n', [("A", '"x"y')]),
        ('A = "unterminated\n', [("A", '"unterminated')]),
        ("DISK = [ IMAGE = a ]", [("DISK", [("IMAGE", "a")])]),
        ("DISK = [ ]\n", [("DISK", [])]),
        ("DISK=[]", [("DISK", [])]),
        (
            'DISK = [\n  image = "a",\n  SIZE = 1024 ]\n',
            [("DISK", [("IMAGE", "a"), ("SIZE", "1024")])],
        ),
        (
            'DISK = [\n  # the image\n  IMAGE = "a" , # why\n  SIZE = "" ]\n',
            [("DISK", [("IMAGE", "a"), ("SIZE", "")])],
        ),
        (
            "TM = [ SYS = a, SYS = b ]\n",
            [("TM", [("SYS", "a"), ("SYS", "b")])],
        ),
        (
            "DISK = [ IMAGE = a ]\nDISK = [ IMAGE = b ]\n",
            [("DISK", [("IMAGE", "a")]), ("DISK", [("IMAGE", "b")])],
        ),
    ],
)
def test_parses_construct_and_round_trips(text: str, expected: list[tuple[str, object]]) -> None:
    assert logical(text) == expected
    assert parse(text).to_text() == text


def test_original_spelling_is_printed_and_logical_name_upper() -> None:
    tmpl = parse("Disk = [ Image = a ]\n")
    vector = tmpl.attributes[0]
    assert isinstance(vector, VectorAttribute)
    assert (vector.name, vector.items) == ("DISK", [("IMAGE", "a")])
    assert tmpl.to_text() == "Disk = [ Image = a ]\n"


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("= 1\n", 1, 1, "expected an attribute name"),
        ("A 1\n", 1, 3, "expected '=' after A"),
        ("A = 1\nB = \n", None, None, None),  # empty value: valid
        ("A = 1\n  B = ,\n", 2, 7, "expected a value"),
        ("A = 1\nB =", None, None, None),
        ("A = [ B = 1\n", 2, 1, "expected ',' or ']' in vector A"),
        ("A = [ B = 1,\n C ]", 2, 4, "expected '=' after C"),
        ("A = [ B =\n ]", 1, 10, "empty value for B"),
        ("A = [ B = [ C = 1 ] ]", 1, 11, "cannot be nested"),
        ("A = [ = 1 ]", 1, 7, "expected a key in vector A"),
        ('A = "x]]>"\n', 1, 5, "CDATA end marker"),
        ("A = 1 = 2\n", 1, 7, "expected an attribute name"),
        ("A\u00e9 = 1\n", 1, 2, "expected '=' after A"),
    ],
)
def test_errors_have_line_and_column(
    text: str, line: int | None, column: int | None, fragment: str | None
) -> None:
    if fragment is None:
        assert parse(text).to_text() == text
        return
    with pytest.raises(TemplateError) as info:
        parse(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"line {line}, column {column}: ")


def test_template_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse("[")


def test_non_str_input_is_a_template_error() -> None:
    with pytest.raises(TemplateError):
        parse(b"A = 1")  # type: ignore[arg-type]
