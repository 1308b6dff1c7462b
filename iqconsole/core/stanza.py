"""Turn what the user typed into stanzas ready to send, or a precise reason why not.

Text is parsed inside a `jabber:client` wrapper so that unprefixed elements get the namespace
they would have inside a real stream (a bare parse gives `<error xmlns="">`), and several
stanzas may sit one after another in the editor.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.parsers import expat

from slixmpp.jid import JID, InvalidJID

from iqconsole.core.protocol import CLIENT_NS, IQ_TYPES, REQUEST_TYPES, STANZA_KINDS, STANZAS_NS, Kind, kind_of

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_WRAPPER_OPEN = f"<console-wrapper xmlns='{CLIENT_NS}'>"
_WRAPPER_CLOSE = "</console-wrapper>"


class StanzaError(ValueError):
    """Why the text cannot be sent; `line`/`column` are 1-based and point into the user's text."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"{where}{message}")


def split_tag(qualified: str) -> tuple[str, str]:
    """'{ns}local' -> ('ns', 'local'); 'local' -> ('', 'local')."""
    if qualified.startswith("{"):
        namespace, _, local = qualified[1:].partition("}")
        return namespace, local
    return "", qualified


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def parse_stanzas(text: str) -> list[ET.Element]:
    """Parse one or more top-level elements; raise StanzaError with the user's line/column."""
    body = _without_declaration(text)
    if not body.strip():
        raise StanzaError("the editor is empty: write a stanza such as <iq type='get' …/>")
    try:
        wrapper = ET.fromstring(_WRAPPER_OPEN + body + _WRAPPER_CLOSE)
    except ET.ParseError as error:
        line, column = _user_position(*error.position)
        message = str(error).split(":")[0]
        last_line = body.count("\n") + 1
        if line > last_line or (line == last_line and column >= len(body.rsplit("\n", 1)[-1])):
            message = "unexpected end: an element is not closed"
            line, column = last_line, len(body.rsplit("\n", 1)[-1])
        raise StanzaError(message, line, column + 1) from None
    elements = list(wrapper)
    stray = (wrapper.text or "").strip() or next(
        ((element.tail or "").strip() for element in elements if (element.tail or "").strip()), ""
    )
    if stray:
        where = "outside any element" if (wrapper.text or "").strip() else "after an element"
        raise StanzaError(f"text {where}: {stray[:40]!r}", *_stray_text_position(body))
    for element in elements:
        element.tail = None
    return elements


def _without_declaration(text: str) -> str:
    """Blank out an XML declaration so that line and column numbers stay the user's."""
    declaration = _DECLARATION.match(text)
    if not declaration:
        return text
    return re.sub(r"[^\n]", " ", declaration.group(0)) + text[declaration.end() :]


def stanza_offsets(text: str) -> list[int]:
    """Where each top-level element of well-formed `text` starts (character offsets)."""
    return [start for start, _end in stanza_spans(text)[0]]


def stanza_spans(text: str) -> tuple[list[tuple[int, int]], bool]:
    """(start, end) character offsets of each complete top-level element, and whether the whole
    text is well-formed; text that is not gives the elements before the problem."""
    parser = expat.ParserCreate()
    data = (_WRAPPER_OPEN + _without_declaration(text) + _WRAPPER_CLOSE).encode("utf-8")
    skip = len(_WRAPPER_OPEN.encode("utf-8"))
    depth = 0
    spans: list[list[int]] = []  # byte offsets; an end of -1 is known at the next event
    closed = False  # an element just closed: the next event tells where it ended

    def reached(*_: object) -> None:
        nonlocal closed
        if closed:
            spans[-1][1] = parser.CurrentByteIndex - skip
            closed = False

    def start(*_: object) -> None:
        nonlocal depth
        reached()
        if depth == 1:
            spans.append([parser.CurrentByteIndex - skip, -1])
        depth += 1

    def end(*_: object) -> None:
        nonlocal depth, closed
        reached()
        depth -= 1
        closed = depth == 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = parser.CommentHandler = reached
    parser.ProcessingInstructionHandler = reached
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        well_formed = False
    else:
        well_formed = True
    body = data[skip:]
    return [
        (len(body[:start].decode("utf-8")), len(body[:end].decode("utf-8"))) for start, end in spans if end >= 0
    ], well_formed


@dataclass(frozen=True)
class Insertion:
    """Insert `text` at `offset`; the new stanza then starts at `stanza_start`, on a line of its own."""

    offset: int
    text: str
    stanza_start: int


def stanza_insertion(text: str, cursor: int, stanza: str) -> Insertion:
    """Where a new stanza goes so that it never lands inside another: at the cursor when it is
    between stanzas, else just after the stanza the cursor is in (after all the text when that
    stanza is not finished yet)."""
    spans, well_formed = stanza_spans(text)
    offset = next((end for start, end in spans if start < cursor < end), cursor)
    finished = spans[-1][1] if spans else 0
    rest = text[finished:]
    unfinished = finished + len(rest) - len(rest.lstrip())  # where a stanza being written begins
    if not well_formed and cursor > unfinished:
        offset = len(text)
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    if line_end < 0:
        line_end = len(text)
    if not text[line_start:offset].strip():
        offset = line_start
    elif not text[offset:line_end].strip():
        offset = line_end
    before = "\n" if offset and text[offset - 1] != "\n" else ""
    after = "\n" if offset < len(text) and text[offset] != "\n" else ""
    return Insertion(offset, before + stanza + after, offset + len(before))


def _user_position(line: int, column: int) -> tuple[int, int]:
    """Expat's (line, 0-based column) in the wrapped text -> the same in the user's text."""
    return line, column - len(_WRAPPER_OPEN) if line == 1 else column


def _stray_text_position(body: str) -> tuple[int, int] | tuple[None, None]:
    """1-based line and column of the first non-blank text between top-level elements; (None, None)
    when expat reports no such text, and the error then names no position."""
    parser = expat.ParserCreate()
    depth = 0
    found: list[tuple[int, int]] = []

    def start(*_: object) -> None:
        nonlocal depth
        depth += 1

    def end(*_: object) -> None:
        nonlocal depth
        depth -= 1

    def text(data: str) -> None:
        if depth == 1 and data.strip() and not found:
            line, column = _user_position(parser.CurrentLineNumber, parser.CurrentColumnNumber)
            leading = data[: len(data) - len(data.lstrip())]
            line += leading.count("\n")
            column = len(leading.rsplit("\n", 1)[-1]) if "\n" in leading else column + len(leading)
            found.append((line, column + 1))

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.Parse(_WRAPPER_OPEN + body + _WRAPPER_CLOSE, True)
    return found[0] if found else (None, None)


@dataclass(frozen=True)
class Outgoing:
    """A parsed element with what the client needs to route it."""

    element: ET.Element
    kind: Kind

    @property
    def is_request(self) -> bool:
        return self.kind is Kind.IQ and self.element.get("type") in REQUEST_TYPES


def prepare(text: str) -> list[Outgoing]:
    """Parse and check the editor's text; fill in missing ids. Raises StanzaError."""
    prepared = []
    for element in parse_stanzas(text):
        namespace, local = split_tag(element.tag)
        kind = kind_of(local, namespace)
        if kind is Kind.IQ:
            check_iq(element)
        if kind in STANZA_KINDS:
            check_addresses(element)
        if kind in STANZA_KINDS and not element.get("id"):
            element.set("id", new_id())
        prepared.append(Outgoing(element, kind))
    return prepared


def check_iq(element: ET.Element) -> None:
    """The rules an IQ must follow (RFC 6120 §8.2.3) before it is worth sending."""
    iq_type = element.get("type")
    if iq_type is None:
        raise StanzaError("an <iq> needs a type attribute: get, set, result or error")
    if iq_type not in IQ_TYPES:
        raise StanzaError(f"<iq type='{iq_type}'> is not a valid type: use get, set, result or error")
    if iq_type in REQUEST_TYPES and len(element) != 1:
        raise StanzaError(f"an <iq type='{iq_type}'> must carry exactly one child element, not {len(element)}")


def check_addresses(element: ET.Element) -> None:
    """`to` and `from`, when present, must be valid JIDs (RFC 7622)."""
    for attribute in ("to", "from"):
        address = element.get(attribute)
        if address is None:
            continue
        try:
            JID(address)
        except InvalidJID as error:
            raise StanzaError(f"{attribute}={address!r} is not a valid JID: {error}") from None
        if not address.strip():
            raise StanzaError(f"{attribute}='' is empty: remove it or give a JID")


def error_condition(xml: str) -> str:
    """'condition (type): text' of an error stanza, for any condition, known or not."""
    try:
        element = ET.fromstring(xml)
    except ET.ParseError:
        return "unreadable error"
    error = next((child for child in element if split_tag(child.tag)[1] == "error"), None)
    if error is None:
        return "no <error> element"
    condition, text = "undefined-condition", ""
    for child in error:
        local = split_tag(child.tag)[1]
        if local == "text":
            text = (child.text or "").strip()
        elif split_tag(child.tag)[0] == STANZAS_NS:
            condition = local
    described = f"{condition} ({error.get('type', 'no type')})"
    return f"{described}: {text}" if text else described
