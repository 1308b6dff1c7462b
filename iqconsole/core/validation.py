"""Check the composer's text as it is typed, and turn it into the stanzas that will be sent.

`check(text, context)` fills in the `${variables}` (a fresh `${id}` per stanza), then reports
errors, which refuse the send (malformed XML with line and column, an unknown variable, a bad
IQ type or child count, an invalid JID), and warnings, which the user may override (a payload
namespace no XEP here knows, a `from` that is not the account's, or not at a component's
domain). With `cursor` only the stanza under the cursor is checked and prepared; without it,
every stanza, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from slixmpp.jid import JID, InvalidJID
from slixmpp.xmlstream.tostring import tostring

from iqconsole.core.protocol import CLIENT_NS, Kind
from iqconsole.core.server_features import describe_namespace, is_known_namespace
from iqconsole.core.stanza import Outgoing, StanzaError, parse_stanzas, prepare, split_tag, stanza_offsets
from iqconsole.core.templates import TemplateError, render, standard_variables, variables_of

__all__ = ["Checked", "Chunk", "Context", "Problem", "check", "chunk_at", "split_chunks"]

_IGNORED_NAMESPACES = {"", CLIENT_NS, "http://www.w3.org/XML/1998/namespace"}


@dataclass(frozen=True)
class Problem:
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        return f"{where}{self.message}"


@dataclass(frozen=True)
class Context:
    """What the variables stand for: the account, the selected peer, the user's own."""

    own_jid: str = ""
    peer: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
    stream_features: frozenset[str] | None = None  # what the server announced (None: unknown)
    services: Mapping[str, str] = field(default_factory=dict)  # ${muc}, ${pubsub}… found by discovery

    def variables(self) -> dict[str, str]:
        """Every variable, with a fresh `${id}` on each call."""
        return standard_variables(self.own_jid or "me@localhost", self.peer, self.extra, self.services)


@dataclass(frozen=True)
class Chunk:
    """One top-level element of the editor's text, before its variables are filled in."""

    text: str
    start: int
    line: int
    column: int


@dataclass(frozen=True)
class Checked:
    stanzas: tuple[Outgoing, ...] = ()
    sources: tuple[str, ...] = ()  # each stanza's text as written, variables and all
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    total: int = 0  # stanzas in the whole text

    @property
    def ok(self) -> bool:
        return not self.errors

    def serialized(self) -> list[str]:
        """The stanzas exactly as they will be sent (ids filled in)."""
        return [tostring(outgoing.element, xmlns=CLIENT_NS) for outgoing in self.stanzas]


def split_chunks(text: str) -> list[Chunk]:
    """The top-level elements of well-formed `text`, each with its position."""
    starts = stanza_offsets(text)
    chunks = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        chunks.append(Chunk(text[start:end].rstrip(), start, line, column))
    return chunks


def chunk_at(chunks: list[Chunk], cursor: int) -> Chunk:
    """The chunk under `cursor` (a character offset), or the nearest before it."""
    return next((chunk for chunk in reversed(chunks) if chunk.start <= cursor), chunks[0])


def check(text: str, context: Context, cursor: int | None = None) -> Checked:
    """Errors and warnings for `text`, and its stanzas ready to send when there is no error.

    `cursor` (a character offset) picks the stanza under it (or the nearest before it)."""
    try:
        parse_stanzas(text)
    except StanzaError as error:
        return Checked(errors=(Problem(error.message, error.line, error.column),))
    chunks = split_chunks(text)
    total = len(chunks)
    if cursor is not None:
        chunks = [chunk_at(chunks, cursor)]
    stanzas: list[Outgoing] = []
    sources: list[str] = []
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for chunk in chunks:
        try:
            rendered = render(chunk.text, context.variables())
        except TemplateError as error:
            errors.append(
                Problem(str(error), *_first_unknown(text, context, chunk.start, chunk.start + len(chunk.text)))
            )
            continue
        try:
            (outgoing,) = prepare(rendered)
        except StanzaError as error:
            errors.append(Problem(error.message, chunk.line, chunk.column))
            continue
        stanzas.append(outgoing)
        sources.append(chunk.text)
        warnings.extend(Problem(message, chunk.line, chunk.column) for message in _warnings(outgoing, context))
    if errors:
        return Checked(errors=tuple(errors), warnings=tuple(warnings), total=total)
    return Checked(tuple(stanzas), tuple(sources), (), tuple(warnings), total)


def _first_unknown(text: str, context: Context, start: int, end: int) -> tuple[int | None, int | None]:
    """Line and column (in the whole text) of the first unknown `${name}` between `start` and
    `end`, to put the cursor there."""
    known = context.variables()
    unknown = [name for name in variables_of(text[start:end]) if name not in known]
    positions = [text.find(f"${{{name}}}", start, end) for name in unknown]
    positions = [position for position in positions if position >= 0]
    if not positions:
        return None, None
    first = min(positions)
    return text.count("\n", 0, first) + 1, first - (text.rfind("\n", 0, first) + 1) + 1


_STANZA_KINDS = (Kind.IQ, Kind.MESSAGE, Kind.PRESENCE)


def _warnings(outgoing: Outgoing, context: Context) -> list[str]:
    element = outgoing.element
    found = []
    payloads = {split_tag(child.tag)[0] for child in element}  # what the receiver dispatches on
    unknown = sorted(namespace for namespace in payloads - _IGNORED_NAMESPACES if not is_known_namespace(namespace))
    if unknown and outgoing.kind is not Kind.SM:
        found.append(f"unknown namespace{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} (no XEP known here)")
    namespace = split_tag(element.tag)[0]
    announced = context.stream_features
    if outgoing.kind not in _STANZA_KINDS and announced is not None and namespace not in announced:
        feature = describe_namespace(namespace)
        found.append(
            f"the server did not announce {namespace or 'this element'}{f' ({feature})' if feature else ''} in its "
            "stream features: a stream-level element it does not support ends the session (unsupported-stanza-type)"
        )
    sender = element.get("from")
    if sender and context.own_jid:
        try:
            mine = JID(context.own_jid)
            theirs = JID(sender)
        except InvalidJID:
            return found
        if not mine.user:  # a component (XEP-0114) may send from any JID at its domain
            if theirs.domain != mine.domain:
                found.append(
                    f"from={sender!r} is not at this component's domain ({mine.domain}): the server will likely "
                    "close the stream (invalid-from)"
                )
        elif theirs.bare != mine.bare or (theirs.resource and mine.resource and theirs.resource != mine.resource):
            found.append(f"from={sender!r} is not this account ({context.own_jid}): the server will likely refuse it")
    return found
