"""The server's XML stream read one stanza at a time, measured and checked against limits.

slixmpp feeds a whole socket read to one parser and dispatches every stanza in it from one loop,
so a stanza that raises loses the rest of the read, and nothing bounds a stanza's size or depth.
Here expat reports each element; a stanza is built (by ElementTree's C TreeBuilder) only while it
stays within the limits, and is handed to the sink on its own with its size in bytes. A stanza over
a limit is read to its end without being kept (memory stays flat) and reported as skipped.
What cannot be skipped ends the stream with an RFC 6120 condition: XML that is not well-formed, a
document type declaration (entity definitions: RFC 6120 §11.1 forbids them), and a single tag or
comment larger than the stanza limit (expat must hold a tag whole to go on).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pyexpat import ErrorString, ExpatError, ParserCreate
from typing import Protocol

# The deepest nesting iqconsole handles anywhere (reading, the composer, responder masks, replay,
# `iqconsole view`): slixmpp serializes and matches recursively, one call per level, so a stanza
# a thousand levels deep would exhaust the stack. The reading limit may be set lower, never
# higher, so a stanza the console took can always be exported and viewed again.
MAX_NESTING_DEPTH = 256
DEFAULT_MAX_DEPTH = MAX_NESTING_DEPTH
MIN_DEPTH = 8  # the login itself nests 3 deep (<features><mechanisms><mechanism>)
DEFAULT_MAX_STANZA_BYTES = 10 * 1024 * 1024
MIN_STANZA_BYTES = 10 * 1024  # RFC 6120 §13.12: every entity takes stanzas of 10,000 bytes
MAX_STANZA_BYTES = 1024 * 1024 * 1024  # a stanza is kept whole in memory: more is a typo
FEED_PIECE = 64 * 1024  # expat gets at most this much at a time: the size limit is checked between pieces
CONTEXT_BYTES = 40  # how much of the stream a not-well-formed error quotes around the fault
# A start tag (expat already checked it is well-formed); group 1 is "/" for an empty element.
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")


@dataclass(frozen=True)
class Limits:
    """What one stanza may be: at most `max_stanza_bytes` long, elements nested at most `max_depth`
    deep (the stanza's own element is level 1). A user's values are checked by the settings
    (MIN_… to MAX_…); here only what the reader itself needs."""

    max_stanza_bytes: int = DEFAULT_MAX_STANZA_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH

    def __post_init__(self) -> None:
        if self.max_stanza_bytes < 1 or not 1 <= self.max_depth <= MAX_NESTING_DEPTH:
            raise ValueError(f"stanza limits must be positive, the depth at most {MAX_NESTING_DEPTH}: {self}")


class StreamRefused(Exception):
    """The stream cannot go on; `condition` is the RFC 6120 stream error that says why."""

    def __init__(self, condition: str, text: str):
        super().__init__(f"{text} ({condition})")
        self.condition = condition
        self.text = text


@dataclass(frozen=True)
class SkippedStanza:
    """A stanza read to its end and thrown away. `tag` is its local name; `stanza_id` and
    `sender` are its attributes as sent, for the user to recognise it."""

    tag: str
    size: int
    reason: str
    stanza_id: str = ""
    sender: str = ""


class StreamSink(Protocol):
    """Who gets what the reader finds. A method may raise StreamRefused to end the stream."""

    def stream_opened(self, root: ET.Element) -> None: ...

    def stanza_received(self, element: ET.Element, size: int) -> None: ...

    def stanza_skipped(self, skipped: SkippedStanza) -> None: ...

    def stream_closed(self) -> None: ...


class _ElementTreeNames(dict[str, str]):
    """expat's 'namespace}local' as ElementTree's '{namespace}local', computed once per name."""

    def __missing__(self, raw: str) -> str:
        name = self[raw] = "{" + raw if "}" in raw else raw
        return name


class _Stopped(Exception):
    """Raised inside an expat handler to leave Parse() at once; the rest of the data is dropped."""


class StreamReader:
    """One stream, from its header to its footer. Feed it bytes as they arrive."""

    def __init__(self, sink: StreamSink, limits: Limits | None = None):
        self.sink = sink
        self.limits = limits if limits is not None else Limits()
        self.stopped = False
        self._parser = ParserCreate("utf-8", "}")  # XMPP is UTF-8 whatever the prolog claims
        self._parser.buffer_text = True
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.StartDoctypeDeclHandler = self._refuse_doctype
        self._names = _ElementTreeNames()
        self._deepest = self.limits.max_depth + 1  # the stream's root is one level above a stanza
        self._depth = 0  # the stream's root is 1, a stanza 2
        self._builder: ET.TreeBuilder | None = None  # None while no stanza is open, or while skipping one
        self._stanza_start = -1  # byte offset of the open stanza's start tag, -1 when none is open
        self._stanza_tag = ""
        self._stanza_childless = False  # no element opened inside the open stanza yet
        self._stanza_attributes: dict[str, str] = {}
        self._skip_reason = ""
        self._piece = b""
        self._piece_offset = 0

    @property
    def partial(self) -> int:
        """Bytes of the stanza being received (0 between stanzas)."""
        if self._stanza_start < 0:
            return 0
        return self._piece_offset + len(self._piece) - self._stanza_start

    @property
    def partial_tag(self) -> str:
        return self._stanza_tag if self._stanza_start >= 0 else ""

    def stop(self) -> None:
        """Read nothing more of this stream (it was replaced, or it is over)."""
        self.stopped = True

    def feed(self, data: bytes) -> None:
        """Parse `data`; stanzas go to the sink as they complete. Raises StreamRefused."""
        for start in range(0, len(data), FEED_PIECE):
            if self.stopped:
                return
            self._piece = data[start : start + FEED_PIECE]
            try:
                self._parser.Parse(self._piece, False)
            except _Stopped:
                return
            except StreamRefused:
                self.stopped = True
                raise
            except ExpatError as error:
                self.stopped = True
                raise StreamRefused("not-well-formed", self._describe(error)) from None
            finally:
                self._piece_offset += len(self._piece)
                self._piece = b""
            self._check_sizes()

    # -- expat handlers ----------------------------------------------------------------------

    def _start(self, raw_tag: str, attributes: dict[str, str]) -> None:
        depth = self._depth = self._depth + 1
        if depth == 2:
            self._open_stanza(raw_tag, attributes)
        elif depth == 1:
            self.sink.stream_opened(ET.Element(self._names[raw_tag], self._attributes(attributes)))
            return
        else:
            self._stanza_childless = False
        builder = self._builder
        if builder is None:
            return
        if depth > self._deepest:
            self._skip(f"elements nested more than {self.limits.max_depth} levels deep")
        else:
            for key in attributes:  # a namespaced attribute (xml:lang): ElementTree spells it {ns}name
                if "}" in key:
                    attributes = self._attributes(attributes)
                    break
            builder.start(self._names[raw_tag], attributes)

    def _end(self, raw_tag: str) -> None:
        depth = self._depth
        self._depth = depth - 1
        builder = self._builder
        if builder is not None:
            builder.end(self._names[raw_tag])
        if depth == 2:
            self._close_stanza(builder)
        elif depth == 1:
            self.stopped = True
            self.sink.stream_closed()
            raise _Stopped

    def _refuse_doctype(self, name: str, *_ids: object) -> None:
        raise StreamRefused(
            "restricted-xml",
            f"the server sent a document type declaration (<!DOCTYPE {name}>), which can define entities; "
            "XMPP forbids it (RFC 6120 §11.1)",
        )

    # -- helpers -----------------------------------------------------------------------------

    def _open_stanza(self, raw_tag: str, attributes: dict[str, str]) -> None:
        self._stanza_start = self._parser.CurrentByteIndex
        self._stanza_childless = True
        self._stanza_tag = raw_tag.rsplit("}", 1)[-1]
        self._stanza_attributes = attributes
        self._builder = ET.TreeBuilder()
        self._parser.CharacterDataHandler = self._builder.data

    def _close_stanza(self, builder: ET.TreeBuilder | None) -> None:
        size = self._stanza_end() - self._stanza_start
        self._stanza_start = -1
        self._builder = None
        self._parser.CharacterDataHandler = None  # whitespace between stanzas is not kept
        if builder is not None and size > self.limits.max_stanza_bytes:
            builder = None
            self._skip_reason = f"larger than {self.limits.max_stanza_bytes:,} bytes"
        if builder is None:
            attributes = self._stanza_attributes
            self.sink.stanza_skipped(
                SkippedStanza(
                    self._stanza_tag, size, self._skip_reason, attributes.get("id", ""), attributes.get("from", "")
                )
            )
        else:
            self.sink.stanza_received(builder.close(), size)
        if self.stopped:
            raise _Stopped

    def _skip(self, reason: str) -> None:
        """Read the rest of the open stanza without keeping it: only its depth is counted, by
        handlers that do nothing else (a stanza of millions of elements is skipped quickly)."""
        self._skip_reason = reason
        self._builder = None
        self._parser.CharacterDataHandler = None
        self._parser.StartElementHandler = self._skipped_start
        self._parser.EndElementHandler = self._skipped_end

    def _skipped_start(self, _raw_tag: str, _attributes: dict[str, str]) -> None:
        self._depth += 1

    def _skipped_end(self, _raw_tag: str) -> None:
        self._depth -= 1
        if self._depth == 1:
            self._parser.StartElementHandler = self._start
            self._parser.EndElementHandler = self._end
            self._close_stanza(None)

    def _check_sizes(self) -> None:
        """Between pieces: a stanza whose text outgrew the limit is skipped; a single tag or
        comment that did cannot be (expat must hold it whole), so it ends the stream."""
        position = self._parser.CurrentByteIndex  # where expat's last event ended
        pending = self._piece_offset - position
        limit = self.limits.max_stanza_bytes
        if pending > limit:
            self.stopped = True
            raise StreamRefused(
                "policy-violation", f"a single tag or comment larger than {limit:,} bytes ({pending:,} so far)"
            )
        if self._builder is not None and self._stanza_start >= 0 and position - self._stanza_start > limit:
            self._skip(f"larger than {limit:,} bytes")

    def _stanza_end(self) -> int:
        """The offset just past the stanza's end tag. In an end-tag event expat points at the
        tag's '<'; for an empty element (<iq/>), past its '/>'. An end tag split between two
        pieces is counted up to its '<'."""
        position = self._parser.CurrentByteIndex
        index = position - self._piece_offset
        if self._stanza_childless and self._is_empty_element(index):
            return position
        if 0 <= index < len(self._piece):
            close = self._piece.find(b">", index)
            if close >= 0:
                return self._piece_offset + close + 1
        return position

    def _is_empty_element(self, index: int) -> bool:
        """The stanza whose end expat reports at `index` of the piece is one empty-element tag
        (<iq …/>). Its start tag is read again only when the bytes before `index` are "/>": most
        stanzas end with an end tag, and a regular expression per stanza showed in floods."""
        piece = self._piece
        start = self._stanza_start - self._piece_offset
        if index < 2 or piece[index - 2 : index] != b"/>" or start < 0:
            return False
        tag = _START_TAG.match(piece, start)
        return tag is not None and tag.group(1) == b"/"

    def _attributes(self, attributes: dict[str, str]) -> dict[str, str]:
        names = self._names
        return {names[key]: value for key, value in attributes.items()}

    def _describe(self, error: ExpatError) -> str:
        """What expat found and where, with the bytes around it (escaped, so they can be shown)."""
        offset = self._parser.ErrorByteIndex - self._piece_offset
        around = self._piece[max(0, offset - CONTEXT_BYTES) : offset + CONTEXT_BYTES] if offset >= 0 else b""
        where = f"line {error.lineno}, column {error.offset + 1}"
        return f"the server sent XML that is not well-formed: {ErrorString(error.code)} at {where}" + (
            f", near {around!r}" if around else ""
        )
