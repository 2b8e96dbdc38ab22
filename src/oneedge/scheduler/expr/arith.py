"""Rank expressions (SCHED_RANK, SCHED_DS_RANK, policy ranks), as ``expr_arith.y``.

Grammar (``*`` and ``/`` bind tighter than ``+`` and ``-``, all to the left)::

    stmt   := expr | <empty>            (empty: 0)
    expr   := term (('+' | '-') term)*
    term   := factor (('*' | '/') factor)*
    factor := '-' factor | '(' expr ')' | INTEGER | FLOAT | STRING

A name is the first attribute value that reads as a number, 0 when none
does. Arithmetic is in floating point and the rank is truncated to an
integer, as OpenNebula's ``RankPolicy`` stores it in an ``int``. Division by
zero gives 0 (C++ would give inf or NaN, whose conversion is undefined).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable

from oneedge.scheduler.expr.attributes import Attributes, first_float
from oneedge.scheduler.expr.lexer import Cursor, Kind

Number = Callable[[Attributes], float]

_NO_VALUES: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rank:
    """A compiled rank: call it with an object's attributes for its integer rank."""

    text: str
    names: frozenset[str]
    number: Number

    def __call__(self, attributes: Attributes) -> int:
        value = self.number(attributes)
        return int(value) if math.isfinite(value) else 0


@functools.lru_cache(maxsize=4096)
def compile_rank(text: str) -> Rank:
    """Parse ``text`` once (cached by text); ExpressionError if it is malformed."""
    cursor = Cursor(text)
    names: set[str] = set()
    if cursor.current.kind is Kind.END:
        return Rank(text, frozenset(), lambda attributes: 0.0)
    number = _expr(cursor, names)
    if cursor.current.kind is not Kind.END:
        raise cursor.error("an operator or end of expression")
    return Rank(text, frozenset(names), number)


def _expr(cursor: Cursor, names: set[str]) -> Number:
    left = _term(cursor, names)
    while cursor.is_op("+", "-"):
        op = cursor.advance().text
        left = _binary(op, left, _term(cursor, names))
    return left


def _term(cursor: Cursor, names: set[str]) -> Number:
    left = _factor(cursor, names)
    while cursor.is_op("*", "/"):
        op = cursor.advance().text
        left = _binary(op, left, _factor(cursor, names))
    return left


def _binary(op: str, left: Number, right: Number) -> Number:
    if op == "+":
        return lambda a: left(a) + right(a)
    if op == "-":
        return lambda a: left(a) - right(a)
    if op == "*":
        return lambda a: left(a) * right(a)

    def divide(a: Attributes) -> float:
        divisor = right(a)
        return left(a) / divisor if divisor else 0.0

    return divide


def _factor(cursor: Cursor, names: set[str]) -> Number:
    token = cursor.current
    if cursor.is_op("-"):
        cursor.advance()
        inner = _factor(cursor, names)
        return lambda a: -inner(a)
    if cursor.is_op("("):
        cursor.advance()
        inner = _expr(cursor, names)
        if not cursor.is_op(")"):
            raise cursor.error("')'")
        cursor.advance()
        return inner
    if token.kind in (Kind.INTEGER, Kind.FLOAT):
        cursor.advance()
        constant = float(token.text)
        return lambda a: constant
    if token.kind is Kind.NAME:
        cursor.advance()
        name = token.text
        names.add(name)

        def lookup(a: Attributes) -> float:
            value = first_float(a.get(name, _NO_VALUES))
            return 0.0 if value is None else value

        return lookup
    raise cursor.error("INTEGER or FLOAT or STRING or '-' or '('")
