"""Auto-responders: rules that answer incoming IQ requests, so the console can play a service.

A responder is checked when it is created (a bad expression never reaches slixmpp, where a
raising matcher would drop the whole stream), matched defensively at runtime, and answers only
`get`/`set` requests, exactly once: the first enabled responder that matches wins. A request
no responder takes gets the standard error (`service-unavailable` unless configured).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from slixmpp import BaseXMPP, Iq
from slixmpp.xmlstream.tostring import tostring

from iqconsole.core.events import Listeners
from iqconsole.core.protocol import CLIENT_NS
from iqconsole.core.responder_match import (
    Matcher,
    MatchKind,
    PayloadNames,
    ResponderError,
    check_stanza_path,
    compile_match,
)
from iqconsole.core.responder_reply import (
    ERROR_CONDITIONS,
    check_error,
    check_reply,
    error_element,
    render_reply,
    reply_to,
    result_payload,
)
from iqconsole.core.settings import SettingError, whole_number
from iqconsole.core.stanza import StanzaError, parse_stanzas, split_tag

__all__ = [
    "Answer",
    "MatchKind",
    "PayloadNames",
    "Responder",
    "ResponderError",
    "ResponderSet",
    "check_reply",
    "check_stanza_path",
    "render_reply",
]

# Pushes the account's own server sends about lists it keeps: the roster (RFC 6121), the
# blocklist (XEP-0191), privacy lists (XEP-0016). The config's `server-pushes` replaces the list.
SERVER_PUSH_NAMESPACES = frozenset({"jabber:iq:roster", "urn:xmpp:blocking", "jabber:iq:privacy"})
SERVER_PUSH = "server push"  # who the log says answered a push
DELAY_MS = whole_number(0, 600_000, "milliseconds")


@dataclass
class Responder:
    """One rule: requests matching `match` get `reply` (payload XML), an error, or nothing."""

    name: str
    match: str
    reply: str = ""
    enabled: bool = True
    match_kind: MatchKind = MatchKind.STANZA_PATH
    error: str = ""
    error_type: str = ""
    error_text: str = ""
    delay_ms: int = 0
    silent: bool = False
    hits: int = 0
    last_hit: float | None = None
    last_error: str = ""
    payloads: PayloadNames | None = field(default=None, repr=False, compare=False)  # its set's own names
    matcher: Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if not self.name:
            raise ResponderError("a responder needs a name", key="name")
        self.match_kind = MatchKind(self.match_kind)
        try:
            self.matcher = compile_match(self.match_kind, self.match, self.payloads)
        except ResponderError as error:
            raise error.at(key=self.match_kind.key) from None
        if self.error:
            self.error_type = check_error(self.error, self.error_type)
        else:
            check_reply(self.reply)
        try:
            DELAY_MS(self.delay_ms)
        except SettingError as error:
            raise error.at(key="delay_ms", kind=ResponderError) from None

    @property
    def reply_kind(self) -> str:
        """What the table shows: 'no reply', 'error policy-violation', 'result' or 'empty result'."""
        if self.silent:
            return "no reply"
        if self.error:
            return f"error {self.error}"
        if not self.reply.strip():
            return "empty result"
        return "error" if self.reply.lstrip().startswith("<error") else "result"

    def matches(self, iq: Iq) -> bool:
        """Never raises: a failure is recorded on the responder and counts as no match."""
        try:
            return bool(self.matcher(iq))
        except Exception as error:  # slixmpp would drop the stream if this escaped
            self.last_error = f"match failed: {error!r}"
            return False

    def build_reply(self, iq: Iq) -> Iq | None:
        """The reply to `iq` (None when silent); a template that fails gives internal-server-error."""
        if self.silent:
            return None
        if self.error:
            return reply_to(iq, [error_element(self.error, self.error_type, self.error_text)])
        try:
            return reply_to(iq, result_payload(self.reply, iq, self.hits))
        except Exception as error:  # whatever it is, it must not reach slixmpp's receive path
            self.last_error = f"reply failed: {error}"
            return reply_to(iq, [error_element("internal-server-error", "wait", str(error))])

    def try_on(self, xml: str) -> str:
        """What this responder would do with a recorded stanza, in words, changing nothing."""
        try:
            elements = parse_stanzas(xml)
        except StanzaError as error:
            return f"the entry is not readable XML: {error}"
        request = Iq(xml=elements[0])
        if (
            len(elements) != 1
            or request.xml.tag != f"{{{CLIENT_NS}}}iq"
            or request.xml.get("type") not in ("get", "set")
        ):
            return "no: responders answer only <iq> get/set requests"
        trial = self.copy(hits=self.hits)
        if not trial.matches(request):
            return "no: it does not match" + (f" ({trial.last_error})" if trial.last_error else "")
        trial.hits += 1
        reply = trial.build_reply(request)
        if reply is None:
            return "yes: it matches and stays silent (no reply)"
        delay = f" after {self.delay_ms} ms" if self.delay_ms else ""
        return f"yes: it matches and replies{delay}:\n{tostring(reply.xml, xmlns=CLIENT_NS)}"

    def copy(self, **changes: Any) -> Responder:
        """A new, checked responder with some fields changed and fresh counters."""
        return replace(self, **{"hits": 0, "last_hit": None, "last_error": "", **changes})


@dataclass(frozen=True)
class Answer:
    """What to do with one request: who answered (None: nobody matched), the reply, the delay;
    `label` names the console's own answer when no responder gave it (a server push)."""

    responder: Responder | None
    reply: Iq | None
    delay: float = 0.0
    label: str = ""

    @property
    def answered_by(self) -> str:
        """What the log shows next to the request: the responder's name, or the label."""
        return self.responder.name if self.responder is not None else self.label


@dataclass
class ResponderSet:
    """The ordered responders; every change (a hit too) grows `version` and emits `changed`."""

    responders: list[Responder] = field(default_factory=list)
    unmatched: str = "service-unavailable"
    payloads: PayloadNames = field(default_factory=PayloadNames)
    server_pushes: frozenset[str] = SERVER_PUSH_NAMESPACES  # from the config, not a responder file
    version: int = 0
    changed: Listeners[None] = field(default_factory=Listeners, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_unmatched(self.unmatched)

    def add(self, name: str, match: str, reply: str = "", enabled: bool = True, **options: Any) -> Responder:
        return self.insert(Responder(name, match, reply, enabled, payloads=self.payloads, **options))

    def insert(self, responder: Responder, position: int | None = None) -> Responder:
        if any(existing.name == responder.name for existing in self.responders):
            raise ResponderError(f"a responder named {responder.name!r} already exists", key="name")
        self.responders.insert(len(self.responders) if position is None else position, responder)
        self._changed()
        return responder

    def replace(self, name: str, responder: Responder) -> Responder:
        """Put an edited responder where `name` was (keeping its counters if it kept its match)."""
        index = self.index(name)
        if responder.name != name and any(existing.name == responder.name for existing in self.responders):
            raise ResponderError(f"a responder named {responder.name!r} already exists")
        self.responders[index] = responder
        self._changed()
        return responder

    def duplicate(self, name: str) -> Responder:
        original = self.get(name)
        taken = {responder.name for responder in self.responders}
        number = 2
        while f"{name}-{number}" in taken:
            number += 1
        return self.insert(original.copy(name=f"{name}-{number}"), self.index(name) + 1)

    def move(self, name: str, offset: int) -> None:
        """Move a responder up (negative) or down: order decides who answers first."""
        index = self.index(name)
        target = max(0, min(len(self.responders) - 1, index + offset))
        self.responders.insert(target, self.responders.pop(index))
        self._changed()

    def replace_all(self, other: ResponderSet) -> None:
        """Take another set's responders and settings, in place (the client keeps this object)."""
        self.responders = list(other.responders)
        self.unmatched = other.unmatched
        self.payloads = other.payloads
        self._changed()

    def remove(self, name: str) -> None:
        self.responders = [responder for responder in self.responders if responder.name != name]
        self._changed()

    def index(self, name: str) -> int:
        for index, responder in enumerate(self.responders):
            if responder.name == name:
                return index
        raise KeyError(name)

    def get(self, name: str) -> Responder:
        return self.responders[self.index(name)]

    def set_enabled(self, name: str, enabled: bool) -> None:
        self.get(name).enabled = enabled
        self._changed()

    def set_unmatched(self, condition: str) -> None:
        """The error for requests no responder takes; '' leaves them to slixmpp."""
        self.unmatched = _check_unmatched(condition)
        self._changed()

    def define_payload(self, name: str, element: str) -> None:
        """A StanzaPath name for this set's responders only."""
        self.payloads.define(name, element)
        self._changed()

    def answer(self, iq: Iq) -> Answer | None:
        """The answer to a get/set request, or None to let slixmpp handle the stanza."""
        if iq.xml.get("type") not in ("get", "set"):
            return None
        for responder in self.responders:
            if responder.enabled and responder.matches(iq):
                responder.hits += 1
                responder.last_hit = time.time()
                reply = responder.build_reply(iq)
                self._changed()
                return Answer(responder, reply, responder.delay_ms / 1000)
        if _is_server_push(iq, self.server_pushes):  # the own server telling what changed: acknowledged
            return Answer(None, reply_to(iq, []), label=SERVER_PUSH)
        if not self.unmatched:
            return None
        reply = reply_to(iq, [error_element(self.unmatched, ERROR_CONDITIONS[self.unmatched])])
        return Answer(None, reply)

    def __iter__(self) -> Iterator[Responder]:
        return iter(self.responders)

    def __len__(self) -> int:
        return len(self.responders)

    def _changed(self) -> None:
        self.version += 1
        self.changed.emit(None)


def _check_unmatched(condition: str) -> str:
    if condition and condition not in ERROR_CONDITIONS:
        raise ResponderError(
            f"unknown error condition {condition!r}",
            key="unmatched",
            allowed="'' (leave them to slixmpp) or one of " + ", ".join(ERROR_CONDITIONS),
        )
    return condition


def _is_server_push(iq: Iq, namespaces: frozenset[str]) -> bool:
    """A roster, blocklist or privacy-list push: a set from the account itself (no `from`, or
    its bare JID) that RFC 6121 and XEP-0191 say the client acknowledges with a result."""
    if iq.xml.get("type") != "set" or len(iq.xml) != 1:
        return False
    sender, stream = iq.xml.get("from"), iq.stream
    if sender and not (isinstance(stream, BaseXMPP) and sender == stream.boundjid.bare):
        return False
    return split_tag(iq.xml[0].tag)[0] in namespaces
