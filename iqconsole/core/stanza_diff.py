"""The difference between two stanzas, as a person compares them: the same disco#info answered by
two servers or two accounts.

Each stanza is first written in one normal form, an element or a text per line: names with their
namespace resolved (no prefixes; `xmlns` only where it changes, and none for the stanza namespaces
of clients, servers and components), attributes sorted, whitespace between elements dropped.
Optionally the values that always differ between two exchanges are replaced by a placeholder:
every `id`, every `stamp`, and any attribute or text that is an XEP-0082 date, time or
date-time. Then difflib lines them up. Reading is streamed (expat, no DTD, no entity expansion)
and stops at `MAX_COMPARED_CHARS`: difflib's work grows faster than its input.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import Enum
from xml.parsers import expat

from iqconsole.core.protocol import CLIENT_NS, COMPONENT_NS, SERVER_NS, XML_NS

MAX_COMPARED_CHARS = 256 * 1024  # of each stanza; the rest is left out, and the diff says so
MAX_COMPARED_LINES = 4000
IGNORED = "(ignored)"
VOLATILE_ATTRIBUTES = ("id", "stamp")
_STANZA_NAMESPACES = ("", CLIENT_NS, SERVER_NS, COMPONENT_NS)
_SEPARATOR = " "  # between namespace and local name in expat's names: never in either (no spaces in a name)
_INDENT = "  "
# XEP-0082 Date, DateTime and Time, and XEP-0091's legacy CCYYMMDDThh:mm:ss
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?"
    r"|\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?"
    r"|\d{8}T\d{2}:\d{2}:\d{2}"
)


def is_timestamp(value: str) -> bool:
    return _TIMESTAMP.fullmatch(value.strip()) is not None


class Side(str, Enum):
    """Where a line of the comparison is: in both stanzas, or only in one."""

    BOTH = "both"
    FIRST = "first"
    SECOND = "second"


@dataclass(frozen=True)
class DiffLine:
    side: Side
    text: str


@dataclass(frozen=True)
class StanzaDiff:
    lines: tuple[DiffLine, ...]
    ignored_volatile: bool
    cut: bool = False  # a stanza was longer than what is compared

    @property
    def same(self) -> bool:
        return all(line.side is Side.BOTH for line in self.lines)

    def count(self, side: Side) -> int:
        return sum(1 for line in self.lines if line.side is side)

    def describe(self) -> str:
        """One sentence on the outcome, for the top of the comparison."""
        how = "ids and timestamps ignored" if self.ignored_volatile else "ids and timestamps compared"
        cut = f"; only the first {MAX_COMPARED_CHARS // 1024} KB of each compared" if self.cut else ""
        if self.same:
            return f"The same after normalising ({how}{cut})."
        first, second = self.count(Side.FIRST), self.count(Side.SECOND)
        return f"{first} line(s) only in the first, {second} only in the second ({how}{cut})."


def compare(first: str, second: str, *, ignore_volatile: bool = True) -> StanzaDiff:
    """The line-by-line difference of two stanzas in their normal form."""
    left, left_cut = normal_lines(first, ignore_volatile=ignore_volatile)
    right, right_cut = normal_lines(second, ignore_volatile=ignore_volatile)
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for tag, first_start, first_end, second_start, second_end in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(DiffLine(Side.BOTH, text) for text in left[first_start:first_end])
            continue
        lines.extend(DiffLine(Side.FIRST, text) for text in left[first_start:first_end])
        lines.extend(DiffLine(Side.SECOND, text) for text in right[second_start:second_end])
    return StanzaDiff(tuple(lines), ignore_volatile, left_cut or right_cut)


def normal_lines(xml: str, *, ignore_volatile: bool = True) -> tuple[list[str], bool]:
    """The stanza in its normal form, and whether it was cut. What is not one well-formed element
    (a stream header) is compared as its text lines."""
    cut = len(xml) > MAX_COMPARED_CHARS
    writer = _NormalWriter(ignore_volatile)
    parser = expat.ParserCreate(namespace_separator=_SEPARATOR)
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.StartElementHandler = writer.start
    parser.EndElementHandler = writer.end
    parser.CharacterDataHandler = writer.text
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(xml[:MAX_COMPARED_CHARS], not cut)
    except (expat.ExpatError, _NotOneElement, UnicodeError):
        if not cut:
            lines = [line.strip() for line in xml.splitlines() if line.strip()]
            return lines[:MAX_COMPARED_LINES], len(lines) > MAX_COMPARED_LINES
    writer.close_open()
    cut = cut or len(writer.lines) > MAX_COMPARED_LINES
    return writer.lines[:MAX_COMPARED_LINES], cut


class _NotOneElement(Exception):
    """A DTD: its entities would expand."""


def _refuse_doctype(*_: object) -> None:
    raise _NotOneElement


def _split(name: str) -> tuple[str, str]:
    namespace, _, local = name.rpartition(_SEPARATOR)
    return namespace, local


def _quote(value: str) -> str:
    return '"' + value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace("\n", "&#10;") + '"'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class _Open:
    name: str
    namespace: str
    head: str  # `<name attrs` (its `>` written once a child or text comes)
    text: str = ""
    written: bool = False  # its start line is written (it has children)


class _NormalWriter:
    def __init__(self, ignore_volatile: bool):
        self.ignore_volatile = ignore_volatile
        self.lines: list[str] = []
        self.open: list[_Open] = []

    def start(self, name: str, attributes: list[str]) -> None:
        namespace, local = _split(name)
        parent_namespace = self.open[-1].namespace if self.open else ""
        if self.open:
            self._write_start(self.open[-1], len(self.open) - 1)
        pairs = sorted(
            (self._attribute_name(attributes[index]), attributes[index + 1]) for index in range(0, len(attributes), 2)
        )
        declared = not self.open and namespace in _STANZA_NAMESPACES
        head = f"<{local}"
        if namespace != parent_namespace and not declared:
            head += f" xmlns={_quote(namespace)}"
        head += "".join(f" {key}={_quote(self._value(key, value))}" for key, value in pairs)
        self.open.append(_Open(local, namespace, head))

    def text(self, data: str) -> None:
        if self.open:
            self.open[-1].text += data

    def end(self, _name: str) -> None:
        element = self.open.pop()
        depth = _INDENT * len(self.open)
        text = self._text_value(element.text.strip())
        if not element.written:
            self.lines.append(
                f"{depth}{element.head}>{_escape(text)}</{element.name}>" if text else f"{depth}{element.head}/>"
            )
            return
        if text:
            self.lines.append(f"{depth}{_INDENT}{_escape(text)}")
        self.lines.append(f"{depth}</{element.name}>")

    def close_open(self) -> None:
        """A cut stanza: what was read, its open elements' starts included."""
        for level, element in enumerate(self.open):
            self._write_start(element, level)
        self.open.clear()

    def _write_start(self, element: _Open, level: int) -> None:
        if element.written:
            return
        depth = _INDENT * level
        self.lines.append(f"{depth}{element.head}>")
        text = self._text_value(element.text.strip())
        if text:  # text before the first child: on its own line
            self.lines.append(f"{depth}{_INDENT}{_escape(text)}")
        element.text, element.written = "", True

    def _attribute_name(self, name: str) -> str:
        namespace, local = _split(name)
        if not namespace:
            return local
        return f"xml:{local}" if namespace == XML_NS else f"{{{namespace}}}{local}"

    def _value(self, name: str, value: str) -> str:
        if self.ignore_volatile and (name in VOLATILE_ATTRIBUTES or is_timestamp(value)):
            return IGNORED
        return value

    def _text_value(self, text: str) -> str:
        return IGNORED if self.ignore_volatile and text and is_timestamp(text) else text
