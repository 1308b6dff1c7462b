"""Turn what the user typed into stanzas ready to send, or a precise reason why not.

Text is parsed inside a `jabber:client` wrapper so that unprefixed elements get the namespace
they would have inside a real stream (a bare parse gives `<error xmlns="">`), and several
stanzas may sit one after another in the editor.
"""

from __future__ import annotations

import contextlib
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from xml.parsers import expat

from slixmpp.jid import JID, InvalidJID

from iqconsole.core.protocol import CLIENT_NS, IQ_TYPES, REQUEST_TYPES, STANZA_KINDS, STANZAS_NS, Kind, kind_of
from iqconsole.core.stream_reader import MAX_NESTING_DEPTH

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# In a Python string every surrogate code point is alone (a pair is one astral character):
# half a character, which UTF-8 cannot encode, from a paste, `--var` or a history file.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_WRAPPER_OPEN = f"<console-wrapper xmlns='{CLIENT_NS}'>"
_WRAPPER_CLOSE = "</console-wrapper>"

# MAX_NESTING_DEPTH: the same bound as for reading the server's stream, so whatever the console
# took can be replayed, exported and viewed again.
# The first element one level too deep, found by ElementPath in C-fed generators: cheaper than
# a Python callback per element.
_TOO_DEEP_PATH = "./" + "/".join(["*"] * MAX_NESTING_DEPTH)


class StanzaError(ValueError):
    """Why the text cannot be sent; `line`/`column` are 1-based and point into the user's text."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"{where}{message}")


@lru_cache(maxsize=4096)  # twice per stanza in and out, of a few tags (bounded: a peer may send any)
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
    _refuse_lone_surrogates(body)
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
    if body.count("<") > MAX_NESTING_DEPTH and any(element.find(_TOO_DEEP_PATH) is not None for element in elements):
        position = too_deep(body)
        raise StanzaError(
            f"elements nest more than {MAX_NESTING_DEPTH} levels deep here",
            position[0] if position else None,
            position[1] if position else None,
        )
    for element in elements:
        element.tail = None
    return elements


class _TooDeep(Exception):
    def __init__(self, line: int, column: int):
        super().__init__(line, column)
        self.position = _user_position(line, column)


def too_deep(text: str) -> tuple[int, int] | None:
    """(line, column), both 1-based, of the first element of `text` nested deeper than
    MAX_NESTING_DEPTH, or None; text that is not well-formed is checked as far as it reads."""
    if text.count("<") <= MAX_NESTING_DEPTH:  # nearly all stanzas: no parse at all
        return None
    parser = expat.ParserCreate()
    depth = 0

    def start(*_: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_NESTING_DEPTH + 1:  # the wrapper is one level
            raise _TooDeep(parser.CurrentLineNumber, parser.CurrentColumnNumber)

    def end(*_: object) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(_WRAPPER_OPEN + text + _WRAPPER_CLOSE, True)
    except _TooDeep as deep:
        line, column = deep.position
        return line, column + 1
    except (expat.ExpatError, UnicodeError):
        return None
    return None


def whole_characters(text: str) -> str:
    """The text with each lone surrogate replaced by U+FFFD, for widgets that must encode it."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def _refuse_lone_surrogates(text: str) -> None:
    lone = _LONE_SURROGATE.search(text)
    if lone is None:
        return
    offset = lone.start()
    raise StanzaError(
        f"U+{ord(lone.group()):04X} is half of a character (a lone surrogate), which XML cannot carry: "
        "remove it, or paste the whole character again",
        text.count("\n", 0, offset) + 1,
        offset - (text.rfind("\n", 0, offset) + 1) + 1,
    )


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
    # surrogatepass: a lone surrogate becomes bytes expat refuses, so the text counts as not well-formed
    data = (_WRAPPER_OPEN + _without_declaration(text) + _WRAPPER_CLOSE).encode("utf-8", "surrogatepass")
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
        (len(body[:start].decode("utf-8", "surrogatepass")), len(body[:end].decode("utf-8", "surrogatepass")))
        for start, end in spans
        if end >= 0
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


class _ErrorRead(Exception):
    """The <error> element has been read: the rest of the stanza is not needed."""


_LAST_END_TAG = re.compile(r"</[^<>]+>\s*$")
MAX_ERROR_SEARCH = 1024 * 1024  # an error reply whose <error> is not last is read whole up to this size


def error_condition(xml: str) -> str:
    """'condition (type): text' of an error stanza, for any condition, known or not.

    Read as a stream, with no element tree, and first from the last <error> alone: an error
    reply can carry a huge payload before it."""
    start = xml.rfind("<error")
    closing = _LAST_END_TAG.search(xml, start) if start > 0 else None
    if closing is not None:
        try:  # the tail is one <error> element and then the stanza's end tag: its last child
            return _described(*_error_parts(xml[start : closing.start()], 1))
        except (expat.ExpatError, UnicodeError):
            pass
    if len(xml) > MAX_ERROR_SEARCH:  # too big to read whole for a badge
        if start < 0 and ":error" not in xml:
            return _described(None, "", "")
        return f"unreadable error (its <error> is not at the end of {len(xml):,} characters)"
    try:
        return _described(*_error_parts(xml, 2))
    except (expat.ExpatError, UnicodeError):
        return "unreadable error"


def _error_parts(xml: str, error_depth: int) -> tuple[str | None, str, str]:
    """(type, condition, text) of the first <error> at `error_depth` (None: there is none)."""
    parser = expat.ParserCreate(namespace_separator="}")
    depth = 0
    error_type: str | None = None
    condition, text, in_text = "undefined-condition", "", False

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, error_type, condition, in_text
        depth += 1
        local = name.rpartition("}")[2]
        if depth == error_depth and local == "error" and error_type is None:
            error_type = attributes.get("type", "no type")
        elif depth == error_depth + 1 and error_type is not None:
            in_text = local == "text"
            if not in_text and name.startswith(STANZAS_NS + "}"):
                condition = local

    def end(_name: str) -> None:
        nonlocal depth, in_text
        depth -= 1
        in_text = False
        if depth == error_depth - 1 and error_type is not None and depth:  # a lone <error> is read to its end
            raise _ErrorRead

    def characters(data: str) -> None:
        nonlocal text
        if in_text and len(text) < 1000:
            text += data

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, characters
    parser.buffer_text = True
    with contextlib.suppress(_ErrorRead):
        parser.Parse(xml, True)
    return error_type, condition, text.strip()


def _described(error_type: str | None, condition: str, text: str) -> str:
    if error_type is None:
        return "no <error> element"
    described = f"{condition} ({error_type})"
    return f"{described}: {text}" if text else described
