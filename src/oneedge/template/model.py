"""Template, single and vector attributes, keeping the layout they were read with.

Each attribute remembers the raw text it was parsed from; printing reuses
that text for everything not changed since, so ``parse(text).to_text()`` is
``text``.  What is new or changed is printed in OpenNebula's canonical form:
``NAME="value"`` and ``NAME=[\\n  KEY="v",\\n  KEY2="w" ]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import re
from dataclasses import dataclass

from lxml import etree

from oneedge.template.errors import TemplateError
from oneedge.template.lexer import NAME_RE, quote, scan_value


_REST_OF_LINE = re.compile(r"[ \t\r]*(?:#[^\n]*)?(?:\n|\Z)")


def value_of_token(token: str) -> str:
    """The value a token stands for; refuse what would not read back."""
    if not isinstance(token, str):
        raise TemplateError(f"a value token must be a str, not {type(token).__name__}")
    if token == "":
        return ""
    try:
        end, value = scan_value(token, 0)
    except TemplateError:
        end, value = -1, ""
    if end != len(token):
        raise TemplateError(f"invalid value token {token!r}")
    return value


def check_name(name: object) -> str:
    if not isinstance(name, str) or NAME_RE.fullmatch(name) is None:
        raise TemplateError(f"invalid attribute name {name!r}: use letters, digits and '_'")
    return name


def check_value(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"value of {name} must be a str, not {type(value).__name__}")
    return value


class SingleAttribute:
    """``NAME = value``: ``name`` is upper-cased, ``value`` unescaped."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, name: str, value: str) -> None:
        self._raw_name = check_name(name)
        self.value = check_value(name, value)
        # Layout as parsed: text between name and value, the value token as
        # written and the value it stood for (None for built attributes).
        self._sep: str | None = None
        self._raw_value = ""
        self._parsed_value: str | None = None

    @property
    def name(self) -> str:
        return self._raw_name.upper()

    @property
    def token(self) -> str:
        """The value as written in the text, quotes included."""
        if self._sep is not None and self.value == self._parsed_value:
            return self._raw_value
        return quote(self.value)

    @token.setter
    def token(self, token: str) -> None:
        self.value = self._parsed_value = value_of_token(token)
        self._raw_value = token
        if self._sep is None:
            self._sep = "="

    def to_text(self) -> str:
        if self._sep is None:
            return f"{self._raw_name}={quote(self.value)}"
        if self.value == self._parsed_value:
            return f"{self._raw_name}{self._sep}{self._raw_value}"
        return f"{self._raw_name}{self._sep}{quote(self.value)}"

    def copy(self) -> SingleAttribute:
        other = SingleAttribute(self._raw_name, self.value)
        other._sep, other._raw_value = self._sep, self._raw_value
        other._parsed_value = self._parsed_value
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SingleAttribute):
            return NotImplemented
        return (self.name, self.value) == (other.name, other.value)

    def __repr__(self) -> str:
        return f"SingleAttribute({self.name!r}, {self.value!r})"


@dataclass
class _Item:
    """One ``KEY = value`` of a vector, with the raw text around it."""

    raw_key: str
    value: str
    lead: str | None = None  # trivia (and comma) before the key
    sep: str = "="
    raw_value: str | None = None
    parsed_value: str | None = None

    @property
    def key(self) -> str:
        return self.raw_key.upper()

    @property
    def token(self) -> str:
        if self.raw_value is not None and self.value == self.parsed_value:
            return self.raw_value
        return quote(self.value)

    @token.setter
    def token(self, token: str) -> None:
        self.value = self.parsed_value = value_of_token(token)
        self.raw_value = token

    def to_text(self) -> str:
        if self.raw_value is not None and self.value == self.parsed_value:
            return f"{self.raw_key}{self.sep}{self.raw_value}"
        return f"{self.raw_key}{self.sep}{quote(self.value)}"


class VectorAttribute:
    """``NAME = [ KEY = value, ... ]``; keys upper-cased, order and repeats kept."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, name: str, items: Iterable[tuple[str, str]] = ()) -> None:
        self._raw_name = check_name(name)
        self._items: list[_Item] = []
        self._head: str | None = None  # raw text from name to '[' included
        self._tail: str | None = None  # raw text from last value to ']' included
        self.items = list(items)

    @property
    def name(self) -> str:
        return self._raw_name.upper()

    @property
    def items(self) -> list[tuple[str, str]]:
        return [(item.key, item.value) for item in self._items]

    @items.setter
    def items(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = []
        for key, value in items:
            self._items.append(_Item(check_name(key), check_value(key, value)))

    def get(self, key: str) -> str | None:
        """Value of the first item named ``key`` (case-insensitive)."""
        key = key.upper()
        for item in self._items:
            if item.key == key:
                return item.value
        return None

    def set(self, key: str, value: str) -> None:
        """Replace the first item named ``key`` (layout kept) or append one."""
        check_value(key, value)
        upper = key.upper()
        for item in self._items:
            if item.key == upper:
                item.value = value
                return
        self._items.append(_Item(check_name(key), value))

    def remove(self, key: str) -> int:
        """Remove every item named ``key``; return how many were removed."""
        upper = key.upper()
        kept = [item for item in self._items if item.key != upper]
        if kept and kept[0] is not self._items[0]:
            # The new first item takes the old first one's leading text,
            # which has no comma.
            kept[0].lead = self._items[0].lead
        removed = len(self._items) - len(kept)
        self._items = kept
        return removed

    def tokens(self) -> list[tuple[str, str]]:
        """The items with their values as written, quotes included."""
        return [(item.key, item.token) for item in self._items]

    def set_token_at(self, index: int, token: str) -> None:
        self._items[index].token = token

    def append_token(self, key: str, token: str) -> None:
        item = _Item(check_name(key), "")
        item.token = token
        self._items.append(item)

    def remove_at(self, index: int) -> None:
        if index == 0 and len(self._items) > 1:
            self._items[1].lead = self._items[0].lead
        del self._items[index]

    def to_text(self) -> str:
        parts = [self._head if self._head is not None else f"{self._raw_name}=["]
        for index, item in enumerate(self._items):
            parts.append(self._lead(index) + item.to_text())
        parts.append(self._tail if self._tail is not None else " ]")
        return "".join(parts)

    def _lead(self, index: int) -> str:
        lead = self._items[index].lead
        if lead is not None:
            return lead
        if index == 0:
            return "\n  "
        previous = self._items[index - 1].lead
        if previous is None:
            return ",\n  "
        if "\n" in previous:
            last_line = previous.rsplit("\n", 1)[1]
            return ",\n" + last_line[: len(last_line) - len(last_line.lstrip(" \t"))]
        return ", "

    def copy(self) -> VectorAttribute:
        other = VectorAttribute(self._raw_name)
        other._head, other._tail = self._head, self._tail
        other._items = [
            _Item(i.raw_key, i.value, i.lead, i.sep, i.raw_value, i.parsed_value)
            for i in self._items
        ]
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VectorAttribute):
            return NotImplemented
        return (self.name, self.items) == (other.name, other.items)

    def __repr__(self) -> str:
        return f"VectorAttribute({self.name!r}, {self.items!r})"


Attribute = SingleAttribute | VectorAttribute


class Template:
    """An ordered list of attributes and the text (blanks, comments) between them."""

    def __init__(self, attributes: Iterable[Attribute] = ()) -> None:
        # Raw strings are trivia kept verbatim; attributes print themselves.
        self._nodes: list[str | Attribute] = []
        for attr in attributes:
            self.add(attr)

    @property
    def attributes(self) -> list[Attribute]:
        """The attributes in order (a new list: change them with add/remove)."""
        return [node for node in self._nodes if not isinstance(node, str)]

    def __iter__(self) -> Iterator[Attribute]:
        return iter(self.attributes)

    def __len__(self) -> int:
        return len(self.attributes)

    def get(self, name: str) -> str | None:
        """Value of the first single attribute called ``name``."""
        upper = name.upper()
        for attr in self.attributes:
            if isinstance(attr, SingleAttribute) and attr.name == upper:
                return attr.value
        return None

    def get_all(self, name: str) -> list[Attribute]:
        upper = name.upper()
        return [attr for attr in self.attributes if attr.name == upper]

    def vectors(self, name: str) -> list[VectorAttribute]:
        return [attr for attr in self.get_all(name) if isinstance(attr, VectorAttribute)]

    def set(self, name: str, value: str) -> None:
        """Replace the first single attribute's value, or append a new one."""
        check_value(name, value)
        for attr in self.get_all(name):
            if isinstance(attr, SingleAttribute):
                attr.value = value
                return
        self.add(SingleAttribute(name, value))

    def add(self, attr: Attribute) -> None:
        """Append ``attr`` on its own line."""
        if not isinstance(attr, (SingleAttribute, VectorAttribute)):
            raise TemplateError(f"cannot add {type(attr).__name__} to a template")
        if not self._starts_line(len(self._nodes)):
            self._nodes.append("\n")
        self._nodes.append(attr)
        self._nodes.append("\n")

    def insert_after(self, anchor: Attribute, attr: Attribute) -> None:
        """Insert ``attr`` on its own line right after ``anchor``."""
        index = self._index(anchor)
        self._nodes[index + 1 : index + 1] = ["\n", attr]

    def replace(self, old: Attribute, new: Attribute) -> None:
        """Put ``new`` where ``old`` is."""
        self._nodes[self._index(old)] = new

    def remove(self, name: str) -> int:
        """Remove every attribute called ``name``; return how many."""
        doomed = self.get_all(name)
        for attr in doomed:
            self.discard(attr)
        return len(doomed)

    def discard(self, attr: Attribute) -> None:
        """Remove this very attribute, and its line when it had one of its own."""
        index = self._index(attr)
        own_line = self._starts_line(index)
        after = self._nodes[index + 1] if index + 1 < len(self._nodes) else ""
        del self._nodes[index]
        if isinstance(after, str) and own_line:
            # Drop the rest of the line too: blanks and a trailing comment.
            rest = _REST_OF_LINE.match(after)
            if rest and (rest.group().endswith("\n") or index == len(self._nodes) - 1):
                self._nodes[index] = after[rest.end() :]

    def merge(self, other: Template) -> None:
        """OpenNebula's "append" update: ``other``'s attributes replace ours.

        Every name in ``other`` replaces all our attributes with that name,
        at the place of the first one; names we lack are appended.
        """
        names: list[str] = []
        for attr in other.attributes:
            if attr.name not in names:
                names.append(attr.name)
        for name in names:
            incoming = [attr.copy() for attr in other.get_all(name)]
            current = self.get_all(name)
            if not current:
                for attr in incoming:
                    self.add(attr)
                continue
            anchor = current[0]
            for old, new in zip(current, incoming):
                anchor = self._update_in_place(old, new)
            for old in current[len(incoming) :]:
                self.discard(old)
            for new in reversed(incoming[len(current) :]):
                self.insert_after(anchor, new)

    def _update_in_place(self, old: Attribute, new: Attribute) -> Attribute:
        """Give ``old`` the value of ``new``; return the attribute now in place."""
        if isinstance(old, SingleAttribute) and isinstance(new, SingleAttribute):
            old.value = new.value
            return old
        self.replace(old, new)
        return new

    def to_text(self) -> str:
        return "".join(node if isinstance(node, str) else node.to_text() for node in self._nodes)

    def to_xml(self, tag: str = "TEMPLATE") -> etree._Element:
        """The template as OpenNebula XML, values as CDATA."""
        from oneedge.template.xmlio import to_xml  # NOTE: xmlio imports this module

        return to_xml(self, tag)

    @classmethod
    def from_xml(cls, element: etree._Element) -> Template:
        """Read ``<ROOT><NAME>v</NAME><VEC><KEY>v</KEY></VEC></ROOT>``."""
        from oneedge.template.xmlio import from_xml

        return from_xml(element)

    def _index(self, attr: Attribute) -> int:
        for index, node in enumerate(self._nodes):
            if node is attr:
                return index
        raise TemplateError(f"attribute {attr.name} is not in this template")

    def _starts_line(self, index: int) -> bool:
        """Whether the node at ``index`` starts a line (or the text)."""
        for node in reversed(self._nodes[:index]):
            if not isinstance(node, str):
                return False  # an attribute never ends with a newline
            if node:
                return node.endswith("\n")
        return True

    def __repr__(self) -> str:
        return f"Template({self.attributes!r})"
