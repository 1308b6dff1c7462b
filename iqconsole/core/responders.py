"""Auto-responders: StanzaPath-matched rules that answer incoming IQ requests.

A responder is checked when it is created (a bad path never reaches slixmpp, where a raising
matcher would drop the whole stream), matched defensively at runtime, and answers only
`get`/`set` requests, exactly once: the first enabled responder that matches wins.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from string import Template
from xml.sax.saxutils import escape

from slixmpp import Iq
from slixmpp.xmlstream import ElementBase
from slixmpp.xmlstream.matcher import StanzaPath

from iqconsole.core.stanza import StanzaError, parse_stanzas, split_tag
from iqconsole.core.stanza_plugins import register_iq_payloads
from iqconsole.core.traffic import CLIENT_NS

_STEP = re.compile(r"^[A-Za-z_][\w.-]*(@[A-Za-z_][\w.-]*=[^@/={}\s]*)*$")
_ERROR_TAG = f"{{{CLIENT_NS}}}error"


class ResponderError(ValueError):
    """A responder that cannot be registered, with a message that says how to fix it."""


def check_stanza_path(path: str) -> StanzaPath:
    """Validate a StanzaPath against the registered payloads; return the matcher."""
    names = register_iq_payloads()
    path = path.strip()
    if not path:
        raise ResponderError("the match is empty: write a StanzaPath such as iq@type=get/ping")
    steps = path.split("/")
    if any(not step for step in steps):
        raise ResponderError(f"empty step in {path!r}: remove the doubled or trailing '/'")
    if "{" in path or "}" in path:
        raise ResponderError("StanzaPath has no namespaces: use a payload name such as disco_info")
    for step in steps:
        if not _STEP.match(step):
            raise ResponderError(
                f"bad step {step!r}: write name@attribute=value (no spaces, quotes, '@' or '/' in values)"
            )
    tag, *attributes = steps[0].split("@")
    if tag != "iq":
        raise ResponderError(f"responders answer IQs: the path must start with 'iq', not {tag!r}")
    _check_attributes(Iq, attributes, "iq")
    stanza_class: type[ElementBase] = Iq
    for step in steps[1:]:
        name, *attributes = step.split("@")
        plugin = stanza_class.plugin_attrib_map.get(name)
        if plugin is None:
            known = ", ".join(sorted(stanza_class.plugin_attrib_map)) if stanza_class is not Iq else ", ".join(names)
            if not known:
                raise ResponderError(f"unknown payload {name!r}: {stanza_class.name!r} has no payloads below it")
            raise ResponderError(f"unknown payload {name!r}; known here: {known}")
        _check_attributes(plugin, attributes, name)
        stanza_class = plugin
    return StanzaPath(path)


def _check_attributes(stanza_class: type[ElementBase], attributes: list[str], where: str) -> None:
    allowed = set(stanza_class.interfaces) | {"lang"}
    for attribute in attributes:
        name = attribute.split("=", 1)[0]
        if name in stanza_class.plugin_attrib_map or name not in allowed:
            raise ResponderError(
                f"{where} has no attribute {name!r}; use one of: {', '.join(sorted(allowed))}"
            )


def check_reply(template: str) -> None:
    """A reply template must be empty or well-formed payload XML once variables are filled."""
    if not template.strip():
        return
    try:
        parse_stanzas(render_reply(template, _SAMPLE_VARIABLES))
    except StanzaError as error:
        raise ResponderError(f"reply template: {error}") from None


def render_reply(template: str, variables: dict[str, str]) -> str:
    """Fill `${name}` with XML-escaped values (a peer's id cannot inject elements).

    Raises ResponderError for an unknown variable or a lone `$` (write `$$` for a dollar).
    """
    escaped = {name: escape(value, {'"': "&quot;", "'": "&apos;"}) for name, value in variables.items()}
    try:
        return Template(template).substitute(escaped)
    except KeyError as error:
        raise ResponderError(
            f"reply template: unknown variable ${{{error.args[0]}}}; use one of: "
            + ", ".join(f"${{{name}}}" for name in _SAMPLE_VARIABLES)
        ) from None
    except ValueError:
        raise ResponderError("reply template: a '$' must start ${name}; write $$ for a literal dollar") from None


_SAMPLE_VARIABLES = {"id": "id", "from": "peer@example.org/r", "to": "me@example.org/r", "now": "2000-01-01T00:00:00Z"}


@dataclass
class Responder:
    """One rule: requests matching `match` are answered with `reply` (payload XML or <error>)."""

    name: str
    match: str
    reply: str = ""
    enabled: bool = True
    hits: int = 0
    last_hit: float | None = None
    last_error: str = ""
    matcher: StanzaPath = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ResponderError("a responder needs a name")
        self.matcher = check_stanza_path(self.match)
        check_reply(self.reply)

    def matches(self, iq: Iq) -> bool:
        """Never raises: a failure is recorded on the responder and counts as no match."""
        try:
            return bool(self.matcher.match(iq))
        except Exception as error:  # slixmpp would drop the stream if this escaped
            self.last_error = f"match failed: {error!r}"
            return False

    def build_reply(self, iq: Iq) -> Iq:
        """The reply to `iq`; a template that fails to render gives internal-server-error."""
        reply = iq.reply(clear=True)
        variables = {
            "id": iq["id"],
            "from": str(iq["from"]),
            "to": str(iq["to"]),
            "now": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        try:
            elements = parse_stanzas(render_reply(self.reply, variables)) if self.reply.strip() else []
        except (StanzaError, ResponderError) as error:
            self.last_error = f"reply failed: {error}"
            elements = [_error_element("internal-server-error", "wait", str(error))]
        for element in elements:
            if element.tag == _ERROR_TAG:
                reply["type"] = "error"
            reply.append(element)
        return reply


def _error_element(condition: str, error_type: str, text: str) -> ET.Element:
    error = ET.Element(_ERROR_TAG, type=error_type)
    ET.SubElement(error, f"{{urn:ietf:params:xml:ns:xmpp-stanzas}}{condition}")
    ET.SubElement(error, "{urn:ietf:params:xml:ns:xmpp-stanzas}text").text = text
    return error


@dataclass
class ResponderSet:
    """The ordered responders; `version` grows on every change so a view knows when to redraw."""

    responders: list[Responder] = field(default_factory=list)
    version: int = 0

    def add(self, name: str, match: str, reply: str = "", enabled: bool = True) -> Responder:
        if any(responder.name == name for responder in self.responders):
            raise ResponderError(f"a responder named {name!r} already exists")
        responder = Responder(name, match, reply, enabled)
        self.responders.append(responder)
        self._changed()
        return responder

    def remove(self, name: str) -> None:
        self.responders = [responder for responder in self.responders if responder.name != name]
        self._changed()

    def get(self, name: str) -> Responder:
        for responder in self.responders:
            if responder.name == name:
                return responder
        raise KeyError(name)

    def set_enabled(self, name: str, enabled: bool) -> None:
        self.get(name).enabled = enabled
        self._changed()

    def answer(self, iq: Iq) -> tuple[Responder, Iq] | None:
        """The first enabled responder matching a get/set request, with its reply."""
        if iq.xml.get("type") not in ("get", "set"):
            return None
        for responder in self.responders:
            if responder.enabled and responder.matches(iq):
                responder.hits += 1
                responder.last_hit = time.time()
                reply = responder.build_reply(iq)
                self._changed()
                return responder, reply
        return None

    def __iter__(self):
        return iter(self.responders)

    def __len__(self) -> int:
        return len(self.responders)

    def _changed(self) -> None:
        self.version += 1


def describe_payload(element: ET.Element) -> str:
    """'{ns}local' of an element for messages."""
    namespace, local = split_tag(element.tag)
    return f"{{{namespace}}}{local}" if namespace else local
