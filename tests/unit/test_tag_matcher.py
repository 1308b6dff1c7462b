"""Handlers of one tag match by comparing it: the same stanzas reach them as with MatchXPath."""

from __future__ import annotations

import pytest
from slixmpp.xmlstream import ET, StanzaBase
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath, StanzaPath

from iqconsole.core.account import Account
from iqconsole.core.client import ConsoleClient
from iqconsole.core.tag_matcher import FirstStepStanzaPath, MatchTag, MatchTagChild, with_tag_matcher
from iqconsole.core.traffic import TrafficStore

STANZAS = [
    '<a xmlns="urn:xmpp:sm:3" h="1"/>',
    '<r xmlns="urn:xmpp:sm:3"/>',
    '<a xmlns="urn:other"/>',
    '<error xmlns="http://etherx.jabber.org/streams"><conflict/></error>',
    '<presence xmlns="jabber:client" from="bob@example.org"/>',
    '<message xmlns="jabber:client"><body>hi</body></message>',
    '<message xmlns="jabber:client"><a xmlns="urn:xmpp:sm:3"/></message>',
    '<message xmlns="jabber:client"><x xmlns="urn:other"><body>nested</body></x></message>',
    '<message xmlns="jabber:client"><subject/><body/></message>',
    '<message xmlns="jabber:client"><error type="cancel"/></message>',
    '<iq xmlns="jabber:client" type="get"><body/></iq>',
    '<body xmlns="jabber:client"/>',
]
CRITERIA = [
    "{urn:xmpp:sm:3}a",
    "{http://etherx.jabber.org/streams}error",
    "{jabber:client}presence",
    "{jabber:client}message/{jabber:client}body",
    "{jabber:client}message/{jabber:client}error",
    "{urn:xmpp:sm:3}*",
    "{jabber:client}message/*",
    "{jabber:client}message/{urn:other}x/{jabber:client}body",
]


@pytest.mark.parametrize("criteria", CRITERIA)
def test_a_handler_is_offered_the_same_stanzas_as_with_slixmpps_xpath(criteria):
    xpath = MatchXPath(criteria)
    handler = with_tag_matcher(Callback("probe", MatchXPath(criteria), lambda _stanza: None))
    for xml in STANZAS:
        stanza = StanzaBase(xml=ET.fromstring(xml))
        assert handler.match(stanza) == xpath.match(stanza), f"{criteria} on {xml}"


def test_only_handlers_of_one_tag_compare_it():
    """A longer path or a wildcard keeps slixmpp's own matcher."""
    kinds = {
        criteria: type(with_tag_matcher(Callback("probe", MatchXPath(criteria), lambda _stanza: None))._matcher)
        for criteria in CRITERIA
    }
    assert kinds["{urn:xmpp:sm:3}a"] is MatchTag
    assert kinds["{jabber:client}message/{jabber:client}body"] is MatchTagChild
    assert kinds["{urn:xmpp:sm:3}*"] is MatchXPath
    assert kinds["{jabber:client}message/{urn:other}x/{jabber:client}body"] is MatchXPath


async def test_the_consoles_stream_and_sm_handlers_compare_tags():
    client = ConsoleClient(Account("alice@localhost/console"), TrafficStore())
    names = {handler.name for handler in vars(client)["_XMLStream__handlers"] if type(handler._matcher) is MatchTag}
    assert {"Stream Features", "SASL Success", "Stream Management Ack", "Stream Management Request Ack"} <= names
    with_child = {
        handler.name for handler in vars(client)["_XMLStream__handlers"] if type(handler._matcher) is MatchTagChild
    }
    assert with_child == {"IM", "IMError"}


@pytest.mark.parametrize("criteria", ["iq@type=set/roster", "message/body", "presence@type=subscribe", "iq/ping"])
async def test_a_stanza_path_handler_is_offered_the_same_stanzas_as_with_slixmpps(criteria):
    client = ConsoleClient(Account("alice@localhost/console"), TrafficStore())
    stanzas = [
        *STANZAS,
        "<iq xmlns='jabber:client' type='set'><query xmlns='jabber:iq:roster'/></iq>",
        "<iq xmlns='jabber:client' type='get'><ping xmlns='urn:xmpp:ping'/></iq>",
        "<presence xmlns='jabber:client' type='subscribe'/>",
    ]
    ours = with_tag_matcher(Callback("probe", StanzaPath(criteria), lambda _stanza: None))
    assert type(ours._matcher) is FirstStepStanzaPath
    for xml in stanzas:
        slixmpps = StanzaPath(criteria).match(client._build_stanza(ET.fromstring(xml)))
        assert ours.match(client._build_stanza(ET.fromstring(xml))) == slixmpps, f"{criteria} on {xml}"
