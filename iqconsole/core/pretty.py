"""Indented XML for reading one stanza at a time (the detail pane, previews, the composer).

The stanza is read as a stream (expat, fed in slices) and written out as it is read, so the
work is linear in what is shown and stops once enough is shown: a 50 MB stanza costs what its
first few hundred kilobytes cost, and no element tree is ever built. Names, prefixes and
namespace declarations are written as they came, so the text parses as the original did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

MAX_SHOWN_CHARS = 128 * 1024  # what a pane draws at most: beyond it, highlighting and wrapping freeze the screen
MAX_PRETTY_INPUT = 1024 * 1024  # how much of a stanza is read to indent it
FOLD_AT = 240
FOLD_KEEP = 60
MAX_INDENT_LEVELS = 32  # deeper elements keep this indentation: lines stay readable and short
_SLICE = 16 * 1024


def raw_xml(xml: str) -> str:
    """The stanza as captured, cut (with its size said) so that showing it never freezes the screen."""
    if len(xml) > MAX_SHOWN_CHARS:
        return xml[:MAX_SHOWN_CHARS] + _cut_note(len(xml))
    return xml


def _cut_note(total: int) -> str:
    return f"\n… cut: {total:,} characters in all"


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    escaped = _escape_text(value).replace('"', "&quot;")
    return escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


class _NotAStanza(Exception):
    """The text is not one element that can be indented (a DTD is refused: entities expand)."""


@dataclass(slots=True)
class _Open:
    name: str
    start_pending: bool = True  # `<name attrs` is written, its `>` or `/>` is not yet
    text: list[str] = field(default_factory=list)  # its pending text (only the start when folding)
    text_kept: int = 0
    text_length: int = 0


class _Indenter:
    """Expat handlers that write indented XML as the parser reads; long text is folded to its
    start and its length (base64 avatars, file data) when shortening."""

    def __init__(self, shorten: bool):
        self.shorten = shorten
        self.out: list[str] = []
        self.size = 0
        self.open: list[_Open] = []
        self.cut_short = False  # reading stopped early: the last text's length is a lower bound

    def write(self, text: str) -> None:
        self.out.append(text)
        self.size += len(text)

    def indent(self, depth: int) -> str:
        return "\n" + "  " * min(depth, MAX_INDENT_LEVELS)

    def start(self, name: str, attributes: list[str]) -> None:
        if self.open:
            self._close_start(self.open[-1])
            self._flush_text(self.open[-1], len(self.open))
        pairs = "".join(
            f' {attributes[index]}="{_escape_attribute(attributes[index + 1])}"'
            for index in range(0, len(attributes), 2)
        )
        self.write(f"{self.indent(len(self.open)) if self.out else ''}<{name}{pairs}")
        self.open.append(_Open(name))

    def text(self, data: str) -> None:
        if not self.open:
            return
        current = self.open[-1]
        current.text_length += len(data)
        if self.shorten:
            data = data[: FOLD_AT + 1 - current.text_kept]
        if data:
            current.text.append(data)
            current.text_kept += len(data)

    def end(self, name: str) -> None:
        current = self.open.pop()
        if current.start_pending:
            self.write(f">{_escape_text(self._folded(current))}</{name}>" if current.text_length else "/>")
            return
        self._flush_text(current, len(self.open) + 1)
        self.write(f"{self.indent(len(self.open))}</{name}>")

    def refuse_doctype(self, *_: object) -> None:
        raise _NotAStanza("a document type declaration")

    def _close_start(self, element: _Open) -> None:
        if element.start_pending:
            self.write(">")
            element.start_pending = False

    def _flush_text(self, element: _Open, depth: int) -> None:
        """Text beside child elements goes on its own line; whitespace between them is dropped."""
        if not element.text_length:
            return
        text = self._folded(element).strip()
        if text:
            self.write(self.indent(depth) + _escape_text(text))
        element.text, element.text_kept, element.text_length = [], 0, 0

    def _folded(self, element: _Open) -> str:
        text = "".join(element.text)
        if not self.shorten or element.text_length <= FOLD_AT:
            return text
        more = "+" if self.cut_short else ""
        return f"{text.lstrip()[:FOLD_KEEP]}… [{element.text_length:,}{more} chars folded]"

    def cut(self) -> None:
        """Stop here: close what is open in the text shown (it is marked as cut right after)."""
        self.cut_short = True
        if self.open:
            self._close_start(self.open[-1])
            self._flush_text(self.open[-1], len(self.open))


def pretty_xml(xml: str, *, shorten: bool = True) -> str:
    """Indent a serialized stanza, folding long text; what is not one element (stream headers)
    is shown as captured. With `shorten`, only the start of a huge stanza is read and shown,
    so that showing one never freezes the screen; without it (editor text) nothing is lost."""
    indenter = _Indenter(shorten)
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.StartElementHandler = indenter.start
    parser.EndElementHandler = indenter.end
    parser.CharacterDataHandler = indenter.text
    parser.StartDoctypeDeclHandler = indenter.refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    read = 0
    try:
        while read < len(xml):
            if shorten and (read >= MAX_PRETTY_INPUT or indenter.size >= MAX_SHOWN_CHARS):
                indenter.cut()
                return "".join(indenter.out)[:MAX_SHOWN_CHARS] + _cut_note(len(xml))
            parser.Parse(xml[read : read + _SLICE], False)
            read += _SLICE
        parser.Parse("", True)
    except (expat.ExpatError, _NotAStanza, UnicodeError):
        return raw_xml(xml) if shorten else xml
    shown = "".join(indenter.out)
    if shorten and len(shown) > MAX_SHOWN_CHARS:
        return shown[:MAX_SHOWN_CHARS] + _cut_note(len(xml))
    return shown
