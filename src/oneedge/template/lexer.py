"""Token scanners for the OpenNebula template language.

They follow ``src/parsers/template_parser.l`` of OpenNebula: after ``=`` the
scanner is in its VALUE state, where the longest of three rules wins (a line
holding the CDATA end marker, a double-quoted string, a bare word), ties going
to the rule listed first.  Outside values, blanks, newlines and ``#`` comments
are skipped; we keep them as raw "trivia" so that printing is lossless.
"""

from __future__ import annotations

import re

from oneedge.template.errors import TemplateError

NAME_RE = re.compile(r"[A-Za-z0-9_]+")
# NOTE: flex's comment rule needs a final newline; we also accept a comment
# at the very end of the text, which OpenNebula would echo and then reject.
# '\r' is accepted as a blank so that CRLF files parse.
TRIVIA_RE = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
BLANKS_RE = re.compile(r"[ \t]*")
BARE_VALUE_RE = re.compile(r"[^=# \t\r\n,\[\]]+")
EMPTY_VALUE_RE = re.compile(r"[ \t]*\r?\n")
CDATA_END = "]]>"


def position(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based (line, column) of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def error(text: str, offset: int, message: str) -> TemplateError:
    line, column = position(text, offset)
    return TemplateError(message, line, column)


def skip_trivia(text: str, pos: int) -> int:
    match = TRIVIA_RE.match(text, pos)
    return match.end() if match else pos


def quoted_end(text: str, pos: int) -> int:
    """End offset of the double-quoted string opening at ``pos``, or -1.

    Inside quotes any character is allowed and ``\\"`` does not close the
    string; as flex takes the longest match, a string may also close on an
    escaped quote when no unescaped one follows.
    """
    last = -1
    quote = text.find('"', pos + 1)
    while quote != -1:
        if text[quote - 1] != "\\":
            return quote + 1
        last = quote + 1
        quote = text.find('"', quote + 1)
    return last


def unescape(raw: str) -> str:
    return raw.replace('\\"', '"')


def escape(value: str) -> str:
    return value.replace('"', '\\"')


def quote(value: str) -> str:
    return f'"{escape(value)}"'


def scan_value(text: str, pos: int) -> tuple[int, str]:
    """Scan one value at ``pos``; return its end offset and unescaped value."""
    eol = text.find("\n", pos)
    if eol == -1:
        eol = len(text)
    cdata_len = eol - pos if CDATA_END in text[pos:eol] else 0
    quoted_len = 0
    if text.startswith('"', pos):
        end = quoted_end(text, pos)
        quoted_len = end - pos if end != -1 else 0
    bare = BARE_VALUE_RE.match(text, pos)
    bare_len = bare.end() - pos if bare else 0
    longest = max(cdata_len, quoted_len, bare_len)
    if longest == 0:
        if pos >= len(text):
            raise error(text, pos, "unexpected end of text, expected a value")
        raise error(text, pos, f"expected a value, found {text[pos]!r}")
    if cdata_len == longest:
        raise error(text, pos, "the CDATA end marker ']]>' is not allowed in a value")
    if quoted_len == longest:
        return pos + quoted_len, unescape(text[pos + 1 : pos + quoted_len - 1])
    return pos + bare_len, text[pos : pos + bare_len]
