"""Handler matching by tag: the same answer as slixmpp's `MatchXPath` for a bare `{ns}name`.

slixmpp offers every received stanza to every handler, and `MatchXPath` builds a wrapper
element and runs ElementPath for each (about 1.5 µs; over a dozen handlers per stanza, a
tenth of the console's receive path in a flood). Most handlers only ask for one top-level tag
(`{urn:xmpp:sm:3}a`, `{jabber:client}presence`): for those, comparing the tag is the same test.
"""

from __future__ import annotations

import re

from slixmpp.xmlstream import StanzaBase
from slixmpp.xmlstream.handler.base import BaseHandler
from slixmpp.xmlstream.matcher import MatchXPath
from slixmpp.xmlstream.matcher.base import MatcherBase

_ONE_TAG = re.compile(r"\{[^}]*\}[A-Za-z_][\w-]*")


class MatchTag(MatcherBase):
    """A stanza whose top-level element is the tag `{ns}name`."""

    _criteria: str

    def match(self, xml: StanzaBase) -> bool:
        return xml.xml.tag == self._criteria


def with_tag_matcher(handler: BaseHandler) -> BaseHandler:
    """`handler`, its `MatchXPath` of one tag replaced by the equivalent `MatchTag`."""
    matcher = handler._matcher
    if type(matcher) is MatchXPath and _ONE_TAG.fullmatch(matcher._criteria):
        handler._matcher = MatchTag(matcher._criteria)
    return handler
