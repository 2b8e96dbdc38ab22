"""Tokens of OpenNebula's requirement and rank expressions (``src/parsers/expr_parser.l``).

Single-character operators ``@ ! & | = > < ( ) * + / -``, names
(``[A-Za-z][0-9A-Za-z_]*``), double-quoted strings without escapes (``""`` is
the null string, which no comparison matches), integers and decimals. Blanks
separate tokens. Unlike flex's default rule, which echoes and skips a
character it does not know, an unknown character is an error here.

NOTE: OpenNebula's lexer glues a leading ``-`` to a number (``-?[0-9]+``), so
``FREE_CPU -5`` is a syntax error there. Numbers are lexed unsigned here and
the parsers take ``-`` as an operator: every expression OpenNebula accepts
means the same, and ``A - 5`` works as a user expects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class ExpressionError(ValueError):
    """A malformed expression; the message says what and where (1-based columns)."""


class Kind(Enum):
    OP = "operator"
    NAME = "STRING"
    INTEGER = "INTEGER"
    FLOAT = "FLOAT"
    END = "end of expression"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    column: int  # 1-based column of the first character
    #: False for the null string ``""`` (and operators, numbers).
    quoted: bool = False

    def describe(self) -> str:
        if self.kind is Kind.END:
            return "end of expression"
        if self.kind is Kind.OP:
            return f"'{self.text}'"
        return f"{self.kind.value} {self.text!r}" if self.text or not self.quoted else 'STRING ""'


_TOKEN = re.compile(r"""
    (?P<blank>[ \t\r\n]+)
  | (?P<float>[0-9]+\.[0-9]+)
  | (?P<integer>[0-9]+)
  | (?P<name>[A-Za-z][0-9A-Za-z_]*)
  | "(?P<quoted>[^"]*)"
  | (?P<op>[@!&|=><()*+/\-^])
""", re.VERBOSE)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an END token; ExpressionError on an unknown character."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            if char == '"':
                raise ExpressionError(f"unterminated string starting at column {position + 1}")
            raise ExpressionError(f"unexpected character {char!r} at column {position + 1}")
        group = match.lastgroup
        column = position + 1
        position = match.end()
        if group == "blank":
            continue
        if group == "float":
            tokens.append(Token(Kind.FLOAT, match.group(group), column))
        elif group == "integer":
            tokens.append(Token(Kind.INTEGER, match.group(group), column))
        elif group == "name":
            tokens.append(Token(Kind.NAME, match.group(group), column))
        elif group == "quoted":
            tokens.append(Token(Kind.NAME, match.group(group), column, quoted=True))
        else:
            tokens.append(Token(Kind.OP, match.group(group), column))
    tokens.append(Token(Kind.END, "", len(text) + 1))
    return tokens


class Cursor:
    """A position in a token list, for the recursive-descent parsers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def is_op(self, *ops: str) -> bool:
        token = self.current
        return token.kind is Kind.OP and token.text in ops

    def error(self, expecting: str) -> ExpressionError:
        token = self.current
        return ExpressionError(f"syntax error, unexpected {token.describe()}, expecting {expecting} "
                               f"at column {token.column}")
