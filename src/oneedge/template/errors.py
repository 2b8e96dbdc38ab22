"""The one exception the template language raises."""

from __future__ import annotations


class TemplateError(ValueError):
    """A template could not be parsed, converted or built.

    ``line`` and ``column`` (1-based) locate the problem in the parsed text
    when there is one; they are ``None`` for errors not tied to a position.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        if line is not None:
            text = f"line {line}, column {column}: {message}"
        else:
            text = message
        super().__init__(text)
