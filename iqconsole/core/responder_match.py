"""How a responder recognises a request: StanzaPath, XPath or an XML mask, checked up front.

Every expression is checked when the responder is created, with a message that says what is
wrong and what is available, because slixmpp drops the whole stream when a matcher raises.
Custom payload names (`custom_xep = {urn:example:custom}query`) become StanzaPath steps by
registering a stanza plugin for them on an Iq class of their responder set, never on slixmpp's
own Iq: two sets may give one name different elements.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from enum import Enum

from slixmpp import Iq
from slixmpp.xmlstream import ElementBase, register_stanza_plugin
from slixmpp.xmlstream.matcher import MatchXMLMask, StanzaPath

from iqconsole.core.protocol import CLIENT_NS
from iqconsole.core.settings import SettingError
from iqconsole.core.stanza import StanzaError, parse_stanzas
from iqconsole.core.stanza_plugins import register_iq_payloads
from iqconsole.core.stanza_xpath import XPathError, compile_xpath

_STEP = re.compile(r"^[A-Za-z_][\w.-]*(@[A-Za-z_][\w.-]*=[^@/={}\s]*)*$")
_PAYLOAD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CLARK = re.compile(r"^\{(?P<namespace>[^{}\s]+)\}(?P<local>[A-Za-z_][\w.-]*)$")


class ResponderError(SettingError):
    """A responder that cannot be registered, with a message that says how to fix it."""


class MatchKind(str, Enum):
    STANZA_PATH = "stanzapath"
    XPATH = "xpath"
    MASK = "mask"

    @property
    def key(self) -> str:
        """The responder file's key for a match of this kind."""
        return {MatchKind.STANZA_PATH: "match", MatchKind.XPATH: "xpath", MatchKind.MASK: "mask"}[self]


Matcher = Callable[[Iq], bool]


class PayloadNames(Mapping[str, str]):
    """The StanzaPath payload names of one responder set: slixmpp's (see stanza_plugins.py) and
    the set's own, name -> `{namespace}local` (this mapping holds only the set's own)."""

    def __init__(self) -> None:
        register_iq_payloads()
        self._own: dict[str, str] = {}
        self.iq_class: type[Iq] = type("ResponderSetIq", (Iq,), {})

    def define(self, name: str, element: str) -> None:
        """Make `name` a StanzaPath step for `{namespace}local`; refuse shadowing a built-in."""
        if not _PAYLOAD_NAME.match(name):
            raise ResponderError(f"payload name {name!r}: use letters, digits and '_' (such as custom_xep)")
        found = _CLARK.match(element.strip())
        if not found:
            raise ResponderError(
                f"payload {name!r}: write the element as {{namespace}}local, such as {{urn:example}}query"
            )
        clark = f"{{{found['namespace']}}}{found['local']}"
        if self._own.get(name) == clark:
            return
        if name in self._own:
            raise ResponderError(f"payload {name!r} is already defined as {self._own[name]}")
        if name in Iq.plugin_attrib_map or name in Iq.interfaces:
            raise ResponderError(f"payload name {name!r} would shadow a built-in; choose another name")
        if clark in self.iq_class.plugin_tag_map:
            existing = self.iq_class.plugin_tag_map[clark].plugin_attrib
            owner = "this set's payload" if existing in self._own else "the built-in payload"
            raise ResponderError(f"{clark} is already {owner} {existing!r}: match it by that name")
        plugin = type(
            f"CustomPayload_{name}",
            (ElementBase,),
            {"name": found["local"], "namespace": found["namespace"], "plugin_attrib": name, "interfaces": set()},
        )
        register_stanza_plugin(self.iq_class, plugin)
        self._own[name] = clark

    def names(self) -> list[str]:
        return sorted(self.iq_class.plugin_attrib_map)

    def __getitem__(self, name: str) -> str:
        return self._own[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._own)

    def __len__(self) -> int:
        return len(self._own)


def compile_match(kind: MatchKind, expression: str, payloads: PayloadNames | None = None) -> Matcher:
    """Check the expression and return a function telling whether an Iq matches it; a StanzaPath
    may use the names of `payloads` (its set's), else only slixmpp's."""
    if kind is MatchKind.XPATH:
        return check_xpath(expression)
    if kind is MatchKind.MASK:
        return check_mask(expression)
    path = check_stanza_path(expression, payloads)
    steps = expression.strip().split("/")[1:]
    if payloads is None or not any(step.split("@")[0] in payloads for step in steps):
        return path.match
    iq_class = payloads.iq_class
    return lambda iq: path.match(iq_class(xml=iq.xml, recv=True))  # the same XML, seen with the set's names


def check_stanza_path(path: str, payloads: PayloadNames | None = None) -> StanzaPath:
    """Validate a StanzaPath against the payloads it may use; return the matcher."""
    root = payloads.iq_class if payloads is not None else Iq
    register_iq_payloads()
    path = path.strip()
    if not path:
        raise ResponderError("the match is empty: write a StanzaPath such as iq@type=get/ping")
    steps = path.split("/")
    if any(not step for step in steps):
        raise ResponderError(f"empty step in {path!r}: remove the doubled or trailing '/'")
    if "{" in path or "}" in path:
        raise ResponderError("StanzaPath has no namespaces: use a payload name such as disco_info, or an XPath")
    for step in steps:
        if not _STEP.match(step):
            raise ResponderError(
                f"bad step {step!r}: write name@attribute=value (no spaces, quotes, '@' or '/' in values)"
            )
    tag, *attributes = steps[0].split("@")
    if tag != "iq":
        raise ResponderError(f"responders answer IQs: the path must start with 'iq', not {tag!r}")
    _check_attributes(root, attributes, "iq")
    stanza_class: type[ElementBase] = root
    for step in steps[1:]:
        name, *attributes = step.split("@")
        plugin = stanza_class.plugin_attrib_map.get(name)
        if plugin is None:
            known = ", ".join(sorted(stanza_class.plugin_attrib_map))
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
            raise ResponderError(f"{where} has no attribute {name!r}; use one of: {', '.join(sorted(allowed))}")


def check_xpath(expression: str) -> Matcher:
    """An XPath match (see core/stanza_xpath.py), checked now; never raises at match time."""
    try:
        test = compile_xpath(expression.strip())
    except XPathError as error:
        raise ResponderError(str(error)) from None
    return lambda iq: test(iq.xml)


def check_mask(mask: str) -> Matcher:
    """An XML mask: an <iq> whose attributes and children the request must have."""
    try:
        elements = parse_stanzas(mask)
    except StanzaError as error:
        raise ResponderError(f"mask: {error}") from None
    if len(elements) != 1 or elements[0].tag != f"{{{CLIENT_NS}}}iq":
        raise ResponderError("a mask is one <iq> element, such as <iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>")
    matcher = MatchXMLMask(elements[0], default_ns=CLIENT_NS)  # type: ignore[arg-type]
    return matcher.match
