"""Requirement expressions (SCHED_REQUIREMENTS, SCHED_DS_REQUIREMENTS), as ``expr_bool.y``.

Grammar (``&``, ``|`` and ``!`` share one precedence and group to the left,
so ``A | B & C`` is ``(A | B) & C`` exactly as in OpenNebula)::

    stmt  := expr | <empty>                       (empty: true)
    expr  := unary (('&' | '|') unary)*
    unary := '!' unary | '(' expr ')' | cmp
    cmp   := NAME ('=' | '!' '=' | '>' | '<' | '@' '>') value
    value := ['-'] INTEGER | ['-'] FLOAT | STRING

Numbers compare with the first attribute value that reads as a number;
strings match with shell wildcards (``fnmatch``: ``*``, ``?``, ``[...]``); a
missing attribute matches nothing, not even ``!=``. ``@>`` is true when any
value equals (or matches) the right-hand side. :func:`compile_requirements`
parses once and returns a plain closure tree, evaluated per object.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass
from typing import Callable

from oneedge.scheduler.expr.attributes import Attributes, all_floats, all_ints, first_float, first_int
from oneedge.scheduler.expr.lexer import Cursor, ExpressionError, Kind

Predicate = Callable[[Attributes], bool]

_NO_VALUES: tuple[str, ...] = ()


@dataclass(frozen=True)
class Requirements:
    """A compiled requirement: call it with an object's attributes."""

    text: str
    names: frozenset[str]
    predicate: Predicate

    def __call__(self, attributes: Attributes) -> bool:
        return self.predicate(attributes)


@functools.lru_cache(maxsize=4096)
def compile_requirements(text: str) -> Requirements:
    """Parse ``text`` once (cached by text); ExpressionError if it is malformed."""
    cursor = Cursor(text)
    names: set[str] = set()
    if cursor.current.kind is Kind.END:
        return Requirements(text, frozenset(), lambda attributes: True)
    predicate = _expr(cursor, names)
    if cursor.current.kind is not Kind.END:
        raise cursor.error("'&' or '|' or end of expression")
    return Requirements(text, frozenset(names), predicate)


def _expr(cursor: Cursor, names: set[str]) -> Predicate:
    left = _unary(cursor, names)
    while cursor.is_op("&", "|"):
        op = cursor.advance().text
        right = _unary(cursor, names)
        left = _and(left, right) if op == "&" else _or(left, right)
    return left


def _and(left: Predicate, right: Predicate) -> Predicate:
    return lambda attributes: left(attributes) and right(attributes)


def _or(left: Predicate, right: Predicate) -> Predicate:
    return lambda attributes: left(attributes) or right(attributes)


def _unary(cursor: Cursor, names: set[str]) -> Predicate:
    if cursor.is_op("!"):
        cursor.advance()
        inner = _unary(cursor, names)
        return lambda attributes: not inner(attributes)
    if cursor.is_op("("):
        cursor.advance()
        inner = _expr(cursor, names)
        if not cursor.is_op(")"):
            raise cursor.error("')'")
        cursor.advance()
        return inner
    if cursor.current.kind is not Kind.NAME:
        raise cursor.error("STRING or '!' or '('")
    return _comparison(cursor, names)


def _comparison(cursor: Cursor, names: set[str]) -> Predicate:
    name = cursor.advance().text
    names.add(name)
    op = _operator(cursor)
    negative = cursor.is_op("-") and cursor.peek().kind in (Kind.INTEGER, Kind.FLOAT)
    if negative:
        cursor.advance()
    token = cursor.current
    if token.kind is Kind.INTEGER:
        cursor.advance()
        value = int(token.text)
        return _numeric(name, op, -value if negative else value, first_int, all_ints)
    if token.kind is Kind.FLOAT:
        cursor.advance()
        number = float(token.text)
        return _numeric(name, op, -number if negative else number, first_float, all_floats)
    if token.kind is Kind.NAME and op in ("=", "!=", "@>"):
        cursor.advance()
        if not token.text:
            # The null string "" matches nothing (expr_bool.y tests for a NULL pattern).
            return lambda attributes: False
        return _string(name, op, token.text)
    raise cursor.error("INTEGER or FLOAT" if op in (">", "<") else "INTEGER or FLOAT or STRING")


def _operator(cursor: Cursor) -> str:
    if cursor.is_op("=", ">", "<"):
        return cursor.advance().text
    if cursor.is_op("!") and cursor.peek().kind is Kind.OP and cursor.peek().text == "=":
        cursor.advance()
        cursor.advance()
        return "!="
    if cursor.is_op("@") and cursor.peek().kind is Kind.OP and cursor.peek().text == ">":
        cursor.advance()
        cursor.advance()
        return "@>"
    raise cursor.error("'=' or '!=' or '>' or '<' or '@>'")


def _numeric(name: str, op: str, value: float, first: Callable, every: Callable) -> Predicate:
    if op == "@>":
        return lambda attributes: value in every(attributes.get(name, _NO_VALUES))

    def compare(attributes: Attributes) -> bool:
        found = first(attributes.get(name, _NO_VALUES))
        if found is None:
            return False
        if op == "=":
            return found == value
        if op == "!=":
            return found != value
        return found > value if op == ">" else found < value

    return compare


def _string(name: str, op: str, pattern: str) -> Predicate:
    match = re.compile(fnmatch.translate(pattern), re.DOTALL).match
    if op == "@>":
        return lambda attributes: any(match(v) for v in attributes.get(name, _NO_VALUES))

    def compare(attributes: Attributes) -> bool:
        values = attributes.get(name, _NO_VALUES)
        if not values:
            return False
        return (match(values[0]) is not None) == (op == "=")

    return compare


__all__ = ["ExpressionError", "Requirements", "compile_requirements"]
