"""What a stanza is, told from the knowledge files: its kind and rules, its attributes, its payload,
its exchange and its error, for a learner reading the traffic or the composer.

`explain_entry` explains an entry of the traffic log (with its pairing: the reply that came, and
after how long); `explain_draft` the stanza under the composer's cursor, before it is sent. The
result is plain text in titled sections: the UI only renders it. Values quoted from a stanza are
the server's words: the UI makes control characters visible before showing them.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from iqconsole.core.knowledge import Knowledge, LoginStep, knowledge
from iqconsole.core.protocol import (
    CLIENT_NS,
    COMPONENT_NS,
    SASL_NS,
    SERVER_NS,
    STANZAS_NS,
    STREAM_NS,
    TLS_NS,
    Kind,
)
from iqconsole.core.server_features import ServerFeatures
from iqconsole.core.stanza import StanzaError, parse_stanzas, split_tag
from iqconsole.core.traffic import Direction, PairState, TrafficEntry, TrafficStore
from iqconsole.core.traffic_summary import duration_label
from iqconsole.core.validation import Context, Problem, check, chunk_at, split_chunks

__all__ = ["Explanation", "Section", "explain_draft", "explain_entry", "specification_of"]

STREAM_ERRORS_NS = "urn:ietf:params:xml:ns:xmpp-streams"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STANZA_ATTRIBUTES = ("to", "from", "id", "type", "xml:lang")
MAX_VALUE_CHARS = 60  # a quoted value (a base64 blob, a long id) is cut to this
MAX_CHILDREN_LISTED = 24
MAX_LOOKED_AT = 2000  # elements walked to list the children present: a 100,000-item roster stays quick
MAX_READ_CHARS = 256 * 1024  # a bigger stanza is explained from its start (and its last <error>)
_STANZA_NAMESPACES = (CLIENT_NS, SERVER_NS, COMPONENT_NS, "")
_DEFAULT_TYPES = {"message": "normal", "presence": "available"}
_FIRST_TAG = re.compile(r"<([^\s/>]+)")
# The namespace that stands for an entry of these kinds when the entry records none.
_KIND_NAMESPACES = {Kind.STREAM: STREAM_NS, Kind.SASL: SASL_NS, Kind.SM: "urn:xmpp:sm:3"}


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    title: str
    specification: str  # the main specification, for a heading ('' when none applies)
    sections: tuple[Section, ...]
    xml: str = ""  # what is explained, as captured or as written (secrets stay redacted)

    def section(self, title: str) -> Section | None:
        return next((section for section in self.sections if section.title == title), None)

    @property
    def text(self) -> str:
        """The whole explanation as plain text: title, then each section and its lines."""
        parts = [self.title]
        for section in self.sections:
            parts.append("")
            parts.append(section.title)
            parts.extend(section.lines)
        return "\n".join(parts)


@dataclass(frozen=True)
class _Where:
    """Who is reading: the stanza's direction, the account's JID, whether it was sent, what
    discovery found (domain → its first identity, 'conference/text Chatrooms') and whether the
    stanza's redacted secret is still in memory (live) or was redacted when recorded."""

    direction: Direction
    own_jid: str
    draft: bool = False
    services: Mapping[str, str] = field(default_factory=dict)
    secret_kept: bool = True


# -- entry points ------------------------------------------------------------------------------


def explain_entry(entry: TrafficEntry, store: TrafficStore, features: ServerFeatures | None = None) -> Explanation:
    """The explanation of a traffic log entry, its pairing included; `features` (what discovery
    found at login, none in a recording) tells what the addresses are."""
    return replace(_explain_entry(entry, store, features), xml=entry.xml)


def _services(features: ServerFeatures | None) -> dict[str, str]:
    """Each discovered entity's JID and its first identity: what an address at it is."""
    groups = features.groups() if features is not None else []
    return {info.jid.lower(): info.identities[0] for info in groups if info.identities}


def _explain_entry(entry: TrafficEntry, store: TrafficStore, features: ServerFeatures | None) -> Explanation:
    known = knowledge()
    if entry.kind in (Kind.NOTICE, Kind.KEEPALIVE):
        kind = known.kinds[entry.kind.value]
        lines = (kind.about, f"({kind.spec.cite(kind.section)})")
        said = (f"It says: {_short(entry.xml, 300)}",) if entry.kind is Kind.NOTICE else ()
        return Explanation(f"{entry.kind.value} #{entry.seq}", "", (Section("What it is", lines + said),))
    element = _parse(entry.xml) if len(entry.xml) <= MAX_READ_CHARS else _parse_start(entry.xml)
    if element is None:
        unreadable = ("The console could not read this entry as XML; the pane beside shows it as captured.",)
        return Explanation(f"{entry.kind.value} #{entry.seq}", "", (Section("What it is", unreadable),))
    kept = not entry.redacted or store.secret_of(entry) is not None
    where = _Where(entry.direction, store.own_jid, services=_services(features), secret_kept=kept)
    exchange = _entry_exchange(entry, store) if entry.kind in (Kind.IQ, Kind.MESSAGE, Kind.PRESENCE) else ()
    way = "received" if entry.direction is Direction.IN else "sent"
    explanation = _explain(known, element, where, f"#{entry.seq} {way}", exchange)
    if len(entry.xml) <= MAX_READ_CHARS:
        return explanation
    note = f"Only its first {MAX_READ_CHARS // 1024} KB of {len(entry.xml):,} characters were read to explain it."
    return replace(explanation, sections=(*explanation.sections, Section("Note", (note,))))


def explain_draft(text: str, cursor: int, context: Context) -> Explanation:
    """The explanation of the composer's stanza under `cursor`, with what stops it being sent."""
    try:
        parse_stanzas(text)
    except StanzaError as error:
        problem = str(Problem(error.message, error.line, error.column))
        lines = ("The composer's text is not well-formed XML yet, so it is not a stanza:", f"✖ {problem}")
        return Explanation("Not a stanza yet", "", (Section("Problem", lines),), text)
    chunk = chunk_at(split_chunks(text), cursor)
    (element,) = parse_stanzas(chunk.text)
    checked = check(text, context, cursor)
    problems = tuple(f"✖ {problem}" for problem in checked.errors) + tuple(f"⚠ {p}" for p in checked.warnings)
    exchange = _draft_exchange(element)
    explanation = _explain(knowledge(), element, _Where(Direction.OUT, context.own_jid, draft=True), "draft", exchange)
    if problems:
        explanation = replace(explanation, sections=(*explanation.sections, Section("Before sending", problems)))
    return replace(explanation, xml=chunk.text)


def specification_of(entry: TrafficEntry) -> str:
    """The specification an entry belongs to, for a heading: 'XEP-0199 XMPP Ping', 'RFC 6120 §6 SASL'."""
    known = knowledge()
    namespace = entry.namespace or _KIND_NAMESPACES.get(entry.kind, "")
    if entry.kind in (Kind.IQ, Kind.MESSAGE, Kind.PRESENCE) and namespace in _STANZA_NAMESPACES:
        return known.kinds[entry.kind.value].reference  # no payload: the rules of its kind
    topic = known.topic(namespace) if namespace else None
    if topic is not None:
        return f"{topic.spec.key} {topic.section} {topic.name}".replace("  ", " ")
    kind = known.kinds.get(entry.kind.value)
    if kind is not None and entry.kind is not Kind.NOTICE:
        return f"{kind.spec.key} {kind.section}".strip()
    return ""


# -- the explanation of one element -------------------------------------------------------------


def _explain(
    known: Knowledge, element: ET.Element, where: _Where, label: str, exchange: tuple[str, ...]
) -> Explanation:
    namespace, local = split_tag(element.tag)
    if namespace in _STANZA_NAMESPACES and local in ("iq", "message", "presence"):
        return _explain_stanza(known, element, local, where, label, exchange)
    return _explain_element(known, element, namespace, local, where, label)


def _explain_stanza(
    known: Knowledge, element: ET.Element, local: str, where: _Where, label: str, exchange: tuple[str, ...]
) -> Explanation:
    kind = known.kinds[local]
    stanza_type = element.get("type") or _DEFAULT_TYPES.get(local, "")
    payloads = [child for child in element if split_tag(child.tag)[1] != "error"]
    topics = [known.topic(split_tag(child.tag)[0]) for child in payloads]
    main = next((topic for topic in topics if topic is not None and topic.key not in _STANZA_NAMESPACES), None)
    specification = main.label if main is not None else kind.reference
    what = [kind.about]
    step = next((known.login_steps[topic.login] for topic in topics if topic is not None and topic.login), None)
    if step is not None:
        what.append(_step_line(known, step))
    sections = [Section("What it is", tuple(what))]
    error = _child(element, "error")
    if stanza_type == "error" or error is not None:  # what went wrong comes first
        sections.append(Section("Error", tuple(_stanza_error(known, error))))
    sections.append(Section("Attributes", tuple(_stanza_attributes(known, element, where, kind.types))))
    sections.append(Section("Payload", tuple(_payload_lines(known, element, payloads, stanza_type))))
    if exchange:
        sections.append(Section("Exchange", exchange))
    if kind.rules:
        sections.append(
            Section(f"Rules of {local} ({kind.spec.key} {kind.section})", tuple(f"• {rule}" for rule in kind.rules))
        )
    title = f"{local} {stanza_type} · {label}" + (f" · {specification}" if specification else "")
    return Explanation(title.replace("  ", " "), specification, tuple(sections))


def _explain_element(
    known: Knowledge, element: ET.Element, namespace: str, local: str, where: _Where, label: str
) -> Explanation:
    """A stream-level element: the stream header, features, TLS, SASL, stream management."""
    topic = known.namespaces.get(namespace)
    step = _login_step(known, namespace, topic.login if topic is not None else "")
    what: list[str] = []
    if step is not None:
        what.append(_step_line(known, step))
        what.append(step.about)
        if local in step.elements:
            what.append(f"<{local}>: {step.elements[local]}")
    elif topic is not None:
        what.extend((f"<{local}> of {topic.citation}", topic.about))
    else:
        what.append(f"<{local}> in the namespace {namespace or '(none)'}: iqconsole's knowledge has no entry for it.")
    if where.direction is Direction.OUT and not where.draft and local in ("auth", "response"):
        if where.secret_kept:
            what.append("The console hides its secret in the log; the detail pane's Secrets key shows it there only.")
        else:
            what.append("Its secret was redacted when the traffic was recorded: the recording does not hold it.")
    sections = [Section("What it is", tuple(what))]
    attributes = tuple(_element_attributes(known, element, topic))
    if attributes:
        sections.append(Section("Attributes", attributes))
    contents = tuple(_contents(known, element))
    if contents:
        sections.append(Section("Contents", contents))
    failure = _element_failure(known, element, namespace, local)
    if failure:
        sections.append(Section("Error", failure))
    specification = topic.label if topic is not None else ""
    heading = f"<{local}> · {label}" + (f" · login step {step.order}: {step.title}" if step is not None else "")
    return Explanation(heading, specification, tuple(sections))


def _login_step(known: Knowledge, namespace: str, login: str) -> LoginStep | None:
    if login:
        return known.login_steps.get(login)
    if namespace == STREAM_NS:
        return known.login_steps.get("stream")
    return None


def _step_line(known: Knowledge, step: LoginStep) -> str:
    return f"Login step {step.order} of {known.login_total}: {step.title} ({step.citation})"


# -- attributes ---------------------------------------------------------------------------------


def _stanza_attributes(known: Knowledge, element: ET.Element, where: _Where, types: Mapping[str, str]) -> Iterator[str]:
    for name in STANZA_ATTRIBUTES:
        attribute = known.attributes[name]
        value = element.get(XML_LANG if name == "xml:lang" else name)
        if value is None:
            absent = attribute.absent_received if where.direction is Direction.IN else attribute.absent_sent
            if where.draft and name == "id":
                absent = "the console gives it a fresh id when it is sent"
            yield f"{name}: absent: {absent}"
            continue
        meaning = types.get(value, "not a type RFC 6120 defines") if name == "type" else attribute.about
        if "${" in value:
            meaning += "; a ${variable} here, filled in when it is sent"
        elif name in ("to", "from"):
            meaning += f"; here {_address(value, where)}"
        yield f"{name}='{_short(value)}': {meaning}"
    for qualified, value in element.attrib.items():
        if qualified not in ("to", "from", "id", "type", XML_LANG):
            yield f"{split_tag(qualified)[1]}='{_short(value)}': not an attribute of RFC 6120 stanzas"


def _address(jid: str, where: _Where) -> str:
    """What a JID is, seen from the account: your session, your account, your server, a service
    discovery found (a chat room at the chat service), or someone, said neutrally when unknown."""
    jid = jid.lower()
    own = where.own_jid.lower()
    own_bare = own.split("/", 1)[0]
    own_domain = own_bare.split("@", 1)[-1]
    bare = jid.split("/", 1)[0]
    domain = bare.split("@", 1)[-1]
    service = where.services.get(domain, "") if domain != own_domain else ""
    if own and jid == own:
        return "your own session (this connection's full JID)"
    if own and jid == own_bare:
        return "your own account (bare JID): your server answers for it"
    if own and jid == own_domain:
        return "your own server"
    if "@" not in bare:
        what = f"a service of your server ({service})" if service else "a server or a service (a domain JID)"
        return what + ("; with a resource" if "/" in jid else "")
    if service.startswith("conference/"):
        if "/" in jid:
            return f"an occupant of a chat room (room@service/nick) at the chat service {domain}"
        return f"a chat room (a bare JID at the chat service {domain}, {service}): the room itself answers"
    if "/" in jid:
        return "one client or session of an account (a full JID: user@domain/resource)"
    if service:
        return f"a bare JID at the service {domain} ({service})"
    if own and domain == own_domain:
        return "an account (a bare JID) on your server: your server answers IQs for it, or routes to its clients"
    return "a bare JID (name@domain): an account, a chat room or another entity; the entity at its domain answers"


def _element_attributes(known: Knowledge, element: ET.Element, topic: object) -> Iterator[str]:
    meanings = getattr(topic, "attributes", {})
    for qualified, value in element.attrib.items():
        name = "xml:lang" if qualified == XML_LANG else split_tag(qualified)[1]
        known_attribute = known.attributes.get(name)
        meaning = meanings.get(name) or (known_attribute.about if known_attribute is not None else "")
        yield f"{name}='{_short(value)}'" + (f": {meaning}" if meaning else "")


# -- payload -----------------------------------------------------------------------------------


def _payload_lines(
    known: Knowledge, element: ET.Element, payloads: list[ET.Element], stanza_type: str
) -> Iterator[str]:
    if not payloads:
        if split_tag(element.tag)[1] == "iq" and stanza_type == "result":
            yield "None: an empty result means the request was done (RFC 6120 §8.2.3)."
        elif split_tag(element.tag)[1] == "iq" and stanza_type in ("get", "set"):
            yield "None: a get or set must carry exactly one child (RFC 6120 §8.2.3)."
        elif stanza_type == "error":
            yield "None besides the <error>: an error reply may repeat the request's payload, but need not."
        else:
            yield "None."
        return
    stanza_namespace = split_tag(element.tag)[0]
    for payload in payloads:
        namespace, local = split_tag(payload.tag)
        topic = known.topic(namespace)
        if namespace == stanza_namespace:  # <body>, <show>, <status>: parts of the stanza itself
            meaning = known.namespaces[CLIENT_NS].children.get(local, "not a child RFC 6120 or 6121 defines")
            text = (payload.text or "").strip()
            yield f"<{local}>" + (f" = {_short(text)}" if text else "") + f": {meaning}"
            continue
        echoed = " (the request's payload, repeated in the error reply)" if stanza_type == "error" else ""
        yield f"<{local} xmlns='{namespace}'>{echoed}"
        if topic is None:
            yield "  iqconsole's knowledge has no entry for this namespace: an extension it does not know."
        else:
            yield f"  {topic.citation}"
            yield f"  {topic.about}"
        for name, value in payload.attrib.items():
            meaning = topic.attributes.get(split_tag(name)[1], "") if topic is not None else ""
            yield f"  {split_tag(name)[1]}='{_short(value)}'" + (f": {meaning}" if meaning else "")
        children = list(_contents(known, payload))
        if children:
            yield "  Children present:"
            yield from (f"  {line}" for line in children)


def _contents(known: Knowledge, element: ET.Element) -> Iterator[str]:
    """Each distinct element inside `element` (three levels down at most), with what it means."""
    seen: set[tuple[str, str]] = set()
    parent_namespace = split_tag(element.tag)[0]
    for looked_at, (depth, child) in enumerate(_descendants(element, 1)):
        if looked_at == MAX_LOOKED_AT:
            yield f"  … (only the first {MAX_LOOKED_AT:,} elements were looked at)"
            return
        namespace, local = split_tag(child.tag)
        if (namespace, local) in seen:
            continue
        seen.add((namespace, local))
        if len(seen) > MAX_CHILDREN_LISTED:
            yield "  … (more)"
            return
        topic = known.topic(namespace)
        meaning = topic.children.get(local, "") if topic is not None else ""
        if namespace != parent_namespace and namespace:
            meaning = meaning or (topic.label if topic is not None else f"namespace {namespace}")
            meaning = f"{meaning} ({topic.label})" if topic is not None and topic.label not in meaning else meaning
        text = (child.text or "").strip()
        value = f" = {_short(text)}" if text and not len(child) else ""
        yield f"{'  ' * (depth - 1)}• <{local}>{value}" + (f": {meaning}" if meaning else "")


def _descendants(element: ET.Element, depth: int) -> Iterator[tuple[int, ET.Element]]:
    if depth > 3:
        return
    for child in element:
        yield depth, child
        yield from _descendants(child, depth + 1)


# -- exchange -----------------------------------------------------------------------------------


def _entry_exchange(entry: TrafficEntry, store: TrafficStore) -> tuple[str, ...]:
    if entry.kind is not Kind.IQ:
        if entry.kind is Kind.PRESENCE and entry.type in ("subscribe", "unsubscribe"):
            return ("No IQ-style reply: the contact answers with a presence of its own (subscribed or unsubscribed).",)
        return ("No reply is expected: messages and presence are not answered at the protocol level.",)
    pairing = store.pairing_of(entry)
    lines: list[str] = []
    if entry.is_request:
        if entry.direction is Direction.OUT:
            asked = entry.recipient or "your own account (your server answers)"
            lines.append(
                f"You asked {asked}: it must answer with exactly one result or error with id='{_short(entry.stanza_id)}'."
            )
        else:
            asker = entry.sender or "your own server"
            lines.append(
                f"{asker} asks you: your client must answer with exactly one result or error with the same id"
                " (a responder can, or the log's Reply and Error reply keys prepare one in the composer)."
            )
        if pairing is None:
            lines.append("It is not paired: it has no id, or its pairing was dropped with the oldest entries.")
        elif pairing.reply is not None:
            reply = pairing.reply
            by = f" (answered by the responder {reply.responder})" if reply.responder else ""
            lines.append(f"The {reply.type} came as #{reply.seq}, {_after(pairing.round_trip)}{by}.")
            if pairing.late:
                lines.append(
                    f"It came late: the request had {pairing.gave_up.value if pairing.gave_up else 'stopped'}."
                )
        elif pairing.state is PairState.PENDING:
            lines.append("No reply yet: still waiting.")
        else:
            lines.append(
                f"No reply came: {pairing.state.value}. A reply arriving later would still be paired, as late."
            )
    elif entry.is_reply:
        if pairing is None:
            lines.append(
                "No request with this id is in the log: it was dropped with the oldest entries, sent before the "
                "console saw it, or the reply came from another entity than the one asked."
            )
        else:
            request = pairing.request
            sent = time.strftime("%H:%M:%S", time.localtime(request.wall))
            lines.append(
                f"The reply to #{request.seq} (iq {request.type}, {sent}), {_after(pairing.round_trip)}:"
                f" the id and the answering entity match the request."
            )
            lines.append("A result or an error is never answered.")
    if pairing is not None:
        lines.append("In the log, the Request/reply key jumps between the two.")
    return tuple(lines)


def _after(seconds: float | None) -> str:
    if seconds is None:
        return "after an unknown time"
    return f"after {seconds * 1000:.1f} ms" if seconds < 1 else f"after {duration_label(seconds)}"


def _draft_exchange(element: ET.Element) -> tuple[str, ...]:
    _, local = split_tag(element.tag)
    stanza_type = element.get("type", "")
    if local != "iq":
        return ("Not sent yet. No reply is expected for a message or a presence.",)
    if stanza_type in ("get", "set"):
        return (
            "Not sent yet. Once sent, the console waits for exactly one result or error with the same id,"
            " pairs it with this request in the log, and shows the round trip.",
        )
    return ("Not sent yet. A result or an error answers a request someone sent you; it gets no answer itself.",)


# -- errors -------------------------------------------------------------------------------------


def _stanza_error(known: Knowledge, error: ET.Element | None) -> Iterator[str]:
    if error is None:
        yield "type='error' but no <error> element: the sender broke RFC 6120 §8.3 (an error must say why)."
        return
    error_type = error.get("type", "")
    condition_name, text, others = "", "", []
    for child in error:
        namespace, local = split_tag(child.tag)
        if namespace == STANZAS_NS and local == "text":
            text = (child.text or "").strip()
        elif namespace == STANZAS_NS and not condition_name:
            condition_name = local
        else:
            others.append(child)
    condition = known.condition(condition_name) if condition_name else None
    if condition is None:
        yield f"Condition: {condition_name or 'none'}: not one of the 22 conditions of RFC 6120 §8.3.3."
    else:
        yield f"Condition: {condition.name} ({condition.citation})"
        yield f"  {condition.about}"
    type_meaning = known.error_types.get(error_type, "not one of the five types of RFC 6120 §8.3.2")
    usual = ""
    if condition is not None and condition.type not in ("", "any", error_type):
        usual = f" (this condition usually comes with type '{condition.type}')"
    yield f"Type: '{error_type}': {type_meaning}{usual}"
    if condition is not None:
        yield f"What to do: {condition.action}"
    if text:
        yield f"The server's text: {_short(text, 300)}"
    for other in others:
        namespace, local = split_tag(other.tag)
        topic = known.topic(namespace)
        where = topic.label if topic is not None else f"namespace {namespace}"
        yield f"Application-specific condition <{local}> ({where}): more precise than the general one."
    if error.get("by"):
        yield f"by='{_short(error.get('by', ''))}': the entity that produced the error."


def _element_failure(known: Knowledge, element: ET.Element, namespace: str, local: str) -> tuple[str, ...]:
    """The condition of a stream error or a SASL failure, or the meaning of a TLS failure."""
    if namespace == TLS_NS and local == "failure":
        return ("TLS was refused or failed: the server closes the stream; no login is possible on this connection.",)
    if (namespace, local) == (STREAM_NS, "error"):
        group, condition_namespace = "stream", STREAM_ERRORS_NS
    elif (namespace, local) == (SASL_NS, "failure"):
        group, condition_namespace = "sasl", SASL_NS
    else:
        return ()
    names = [split_tag(child.tag)[1] for child in element if split_tag(child.tag)[0] == condition_namespace]
    name = next((name for name in names if name != "text"), "")
    condition = known.condition(name, group)
    if condition is None:
        return (f"Condition: {name or 'none'}: not a {group} condition of RFC 6120.",)
    text = next(((child.text or "").strip() for child in element if split_tag(child.tag)[1] == "text"), "")
    lines = [
        f"Condition: {condition.name} ({condition.citation})",
        f"  {condition.about}",
        f"What to do: {condition.action}",
    ]
    if text:
        lines.append(f"The server's text: {_short(text, 300)}")
    if group == "stream":
        lines.append("A stream error is final: the connection closes right after it.")
    return tuple(lines)


# -- small helpers ------------------------------------------------------------------------------


def _parse(xml: str) -> ET.Element | None:
    """The entry's element; a stream header (an open tag that never closes here) is closed first."""
    try:
        return parse_stanzas(xml)[0]
    except StanzaError:
        match = _FIRST_TAG.match(xml.lstrip())
        if match is None:
            return None
        try:
            return parse_stanzas(f"{xml}</{match.group(1)}>")[0]
        except StanzaError:
            return None


def _parse_start(xml: str) -> ET.Element | None:
    """The element as far as its first MAX_READ_CHARS go, plus its last <error> (an error reply
    carries it last): parsing all of a 50 MB stanza would freeze the screen."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start",))
    try:
        parser.feed(f"<console-wrapper xmlns='{CLIENT_NS}'>")
        parser.feed(xml[:MAX_READ_CHARS])
        starts = [event[-1] for event in parser.read_events() if isinstance(event[-1], ET.Element)]
    except ET.ParseError:
        return None
    if len(starts) < 2:  # the wrapper, then the stanza
        return None
    root = starts[1]
    start = xml.rfind("<error")
    end = xml.rfind("</")
    if _child(root, "error") is None and 0 < start < end:
        try:
            (error,) = parse_stanzas(xml[start:end])
        except StanzaError:
            return root
        root.append(error)
    return root


def _child(element: ET.Element, local: str) -> ET.Element | None:
    return next((child for child in element if split_tag(child.tag)[1] == local), None)


def _short(value: str, limit: int = MAX_VALUE_CHARS) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else f"{value[:limit]}…({len(value):,} chars)"
