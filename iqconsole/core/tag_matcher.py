"""Handler matching by tag: the same answer as slixmpp's `MatchXPath` for a bare `{ns}name`.

slixmpp offers every received stanza to every handler, and `MatchXPath` builds a wrapper
element and runs ElementPath for each (about 1.5 µs; over a dozen handlers per stanza, a
tenth of the console's receive path in a flood). Most handlers only ask for one top-level tag
(`{urn:xmpp:sm:3}a`, `{jabber:client}presence`): for those, comparing the tag is the same test.
A tag and one child (`{jabber:client}message/{jabber:client}body`, slixmpp's message handlers,
offered every stanza of a flood) is the tag compared, then the child looked up by ElementTree's C
`find`, as ElementPath would find it under the wrapper. A StanzaPath (the roster push handler's
`iq@type=set/roster`) tries the stanza twice, with the same steps both times: a stanza whose
class cannot take the first step is refused once.
"""

from __future__ import annotations

import re

from slixmpp.xmlstream import StanzaBase
from slixmpp.xmlstream.handler.base import BaseHandler
from slixmpp.xmlstream.matcher import MatchXPath, StanzaPath
from slixmpp.xmlstream.matcher.base import MatcherBase

_TAG = r"\{[^}]*\}[A-Za-z_][\w-]*"
_ONE_TAG = re.compile(_TAG)
_TAG_AND_CHILD = re.compile(f"({_TAG})/({_TAG})")


class MatchTag(MatcherBase):
    """A stanza whose top-level element is the tag `{ns}name`."""

    _criteria: str

    def match(self, xml: StanzaBase) -> bool:
        return xml.xml.tag == self._criteria


class MatchTagChild(MatcherBase):
    """A stanza whose top-level element is the tag `{ns}name` with a child `{ns}child`."""

    _criteria: tuple[str, str]

    def match(self, xml: StanzaBase) -> bool:
        tag, child = self._criteria
        return xml.xml.tag == tag and xml.xml.find(child) is not None


class FirstStepStanzaPath(StanzaPath):
    """slixmpp's StanzaPath, which refuses at once a stanza its first step cannot name."""

    def __init__(self, criteria: str):
        super().__init__(criteria)
        self._first = self._criteria[0].split("@")[0]

    def match(self, stanza: StanzaBase) -> bool:
        first = self._first
        if (
            first != stanza.name
            and first != f"{{{stanza.namespace}}}{stanza.name}"
            and first not in stanza.loaded_plugins
            and first not in stanza.plugin_attrib
        ):
            return False  # where ElementBase.match stops, in both of StanzaPath's attempts
        return super().match(stanza)


def with_tag_matcher(handler: BaseHandler) -> BaseHandler:
    """`handler`, its `MatchXPath` of one tag (or a tag and a child) replaced by the equivalent
    `MatchTag` (or `MatchTagChild`), its StanzaPath by `FirstStepStanzaPath`."""
    matcher = handler._matcher
    if type(matcher) is StanzaPath and matcher._criteria:
        handler._matcher = FirstStepStanzaPath(matcher._raw_criteria)
    if type(matcher) is not MatchXPath:
        return handler
    if _ONE_TAG.fullmatch(matcher._criteria):
        handler._matcher = MatchTag(matcher._criteria)
    elif found := _TAG_AND_CHILD.fullmatch(matcher._criteria):
        handler._matcher = MatchTagChild((found[1], found[2]))
    return handler
