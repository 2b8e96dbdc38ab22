"""Property tests: generated templates round-trip; any text parses or fails cleanly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from oneedge.template import SingleAttribute, TemplateError, VectorAttribute, parse

names = st.from_regex(r"[A-Za-z0-9_]{1,8}", fullmatch=True)
blanks = st.sampled_from(["", " ", "  ", "\t"])
comment = st.from_regex(r"#[^\n]{0,10}\n", fullmatch=True)
trivia = st.lists(st.sampled_from([" ", "\n", "\t"]) | comment, max_size=3).map("".join)
bare_values = st.from_regex(r"[^=#\s,\[\]\"]{1,10}", fullmatch=True).filter(lambda v: "]]>" not in v)
# A quoted value: any text, quotes escaped; it must not end with a backslash
# (the closing quote would read as escaped) nor hold the CDATA end marker.
quoted_values = st.text(max_size=12).filter(
    lambda v: not v.endswith("\\") and "]]>" not in v and "\\\"" not in v
)


@st.composite
def value_token(draw: st.DrawFn) -> tuple[str, str]:
    if draw(st.booleans()):
        value = draw(bare_values)
        return value, value
    value = draw(quoted_values)
    return '"' + value.replace('"', '\\"') + '"', value


@st.composite
def attribute(draw: st.DrawFn) -> tuple[str, object]:
    name = draw(names)
    eq = draw(blanks) + "=" + draw(blanks)
    if draw(st.booleans()):
        raw, value = draw(value_token())
        return f"{name}{eq}{raw}", SingleAttribute(name, value)
    items = draw(st.lists(st.tuples(names, value_token()), max_size=4))
    parts = []
    for index, (key, (raw, _)) in enumerate(items):
        sep = draw(trivia) + ("," if index else "") + draw(trivia)
        parts.append(f"{sep}{key}{draw(blanks)}={draw(blanks)}{raw}")
    text = f"{name}{eq}[{''.join(parts)}{draw(trivia)}]"
    return text, VectorAttribute(name, [(key, value) for key, (_, value) in items])


@st.composite
def template_text(draw: st.DrawFn) -> tuple[str, list[object]]:
    attrs = draw(st.lists(attribute(), max_size=6))
    pieces = [draw(trivia)]
    for text, _ in attrs:
        pieces.append(text)
        pieces.append(draw(st.sampled_from(["\n", " \n", " # note\n", "\n\n"])))
    return "".join(pieces), [attr for _, attr in attrs]


@settings(max_examples=300, deadline=None)
@given(template_text())
def test_generated_templates_round_trip(case: tuple[str, list[object]]) -> None:
    text, expected = case
    tmpl = parse(text)
    assert tmpl.to_text() == text
    assert tmpl.attributes == expected


@settings(max_examples=200, deadline=None)
@given(template_text(), st.data())
def test_edited_templates_reparse_to_the_same_attributes(case: tuple[str, list[object]], data: st.DataObject) -> None:
    text, _ = case
    tmpl = parse(text)
    for attr in tmpl.attributes:
        if isinstance(attr, SingleAttribute):
            attr.value = data.draw(quoted_values)
        else:
            attr.set(data.draw(names), data.draw(quoted_values))
    tmpl.add(VectorAttribute("NEW", [("K", data.draw(quoted_values))]))
    assert parse(tmpl.to_text()).attributes == tmpl.attributes


ALPHABET = st.sampled_from(list('AZaz09_ =[],#"\\\n\t\r]>x<') + ["]]>", "\u00e9", "\x00"])


@settings(max_examples=1000, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join) | st.text(max_size=40))
def test_arbitrary_text_parses_or_raises_template_error(text: str) -> None:
    try:
        tmpl = parse(text)
    except TemplateError as exc:
        assert exc.line is not None and exc.column is not None
        return
    assert tmpl.to_text() == text
