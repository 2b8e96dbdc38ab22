"""Parser for OpenNebula's template language (``src/parsers/template_syntax.y``).

Grammar::

    template  := (trivia attribute)* trivia
    attribute := NAME '=' value                 # single
               | NAME '=' '\\n'                  # single, empty
               | NAME '=' '[' [item (',' item)*] ']'   # vector
    item      := NAME '=' value                 # no nested vectors

A value is a double-quoted string (may span lines, ``\\"`` escapes a quote)
or a bare word without blanks, ``=#,[]``.  Trivia are blanks, newlines and
``#`` comments; they may also appear around ``=``, ``,`` and brackets.
"""

from __future__ import annotations

from oneedge.template import lexer
from oneedge.template.errors import TemplateError
from oneedge.template.lexer import error
from oneedge.template.model import SingleAttribute, Template, VectorAttribute, _Item


def parse(text: str) -> Template:
    """Parse ``text``; raise TemplateError with line and column on bad input."""
    if not isinstance(text, str):
        raise TemplateError(f"a template must be a str, not {type(text).__name__}")
    return _Parser(text).template()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def template(self) -> Template:
        tmpl = Template()
        nodes = tmpl._nodes
        while True:
            start = self.pos
            self.pos = lexer.skip_trivia(self.text, self.pos)
            if self.pos > start:
                nodes.append(self.text[start : self.pos])
            if self.pos >= len(self.text):
                return tmpl
            nodes.append(self.attribute())

    def name(self, what: str) -> str:
        match = lexer.NAME_RE.match(self.text, self.pos)
        if match is None:
            found = repr(self.text[self.pos]) if self.pos < len(self.text) else "end of text"
            raise error(self.text, self.pos, f"expected {what}, found {found}")
        self.pos = match.end()
        return match.group()

    def equal(self, name: str) -> str:
        """Consume trivia, '=' and the blanks after it; return that text."""
        start = self.pos
        self.pos = lexer.skip_trivia(self.text, self.pos)
        if not self.text.startswith("=", self.pos):
            raise error(self.text, self.pos, f"expected '=' after {name}")
        self.pos = lexer.BLANKS_RE.match(self.text, self.pos + 1).end()  # type: ignore[union-attr]
        return self.text[start : self.pos]

    def attribute(self) -> SingleAttribute | VectorAttribute:
        raw_name = self.name("an attribute name")
        sep = self.equal(raw_name)
        if self.text.startswith("[", self.pos):
            return self.vector(raw_name, sep)
        attr = SingleAttribute(raw_name, "")
        attr._sep = sep
        if lexer.EMPTY_VALUE_RE.match(self.text, self.pos) or self.pos == len(self.text):
            attr._parsed_value = ""
            return attr
        start = self.pos
        self.pos, value = lexer.scan_value(self.text, self.pos)
        attr.value = attr._parsed_value = value
        attr._raw_value = self.text[start : self.pos]
        return attr

    def vector(self, raw_name: str, sep: str) -> VectorAttribute:
        attr = VectorAttribute(raw_name)
        self.pos += 1
        attr._head = f"{raw_name}{sep}["
        lead_start = self.pos
        self.pos = lexer.skip_trivia(self.text, self.pos)
        if not self.text.startswith("]", self.pos):
            while True:
                lead = self.text[lead_start : self.pos]
                raw_key = self.name(f"a key in vector {raw_name.upper()}")
                item_sep = self.equal(raw_key)
                if lexer.EMPTY_VALUE_RE.match(self.text, self.pos):
                    raise error(
                        self.text, self.pos, f'empty value for {raw_key.upper()}: write {raw_key} = ""'
                    )
                if self.text.startswith("[", self.pos):
                    raise error(self.text, self.pos, "vector attributes cannot be nested")
                value_start = self.pos
                self.pos, value = lexer.scan_value(self.text, self.pos)
                raw_value = self.text[value_start : self.pos]
                attr._items.append(_Item(raw_key, value, lead, item_sep, raw_value, value))
                lead_start = self.pos
                self.pos = lexer.skip_trivia(self.text, self.pos)
                if self.text.startswith(",", self.pos):
                    self.pos = lexer.skip_trivia(self.text, self.pos + 1)
                    continue
                if self.text.startswith("]", self.pos):
                    break
                found = repr(self.text[self.pos]) if self.pos < len(self.text) else "end of text"
                raise error(
                    self.text, self.pos, f"expected ',' or ']' in vector {raw_name.upper()}, found {found}"
                )
        self.pos += 1
        attr._tail = self.text[lead_start : self.pos]
        return attr
