"""Comparing two stanzas: what differs in meaning shows, what only differs in writing does not."""

from __future__ import annotations

import time

import pytest

from iqconsole.core.stanza_diff import IGNORED, MAX_COMPARED_CHARS, Side, compare, is_timestamp, normal_lines

SERVER_INFO = (
    '<iq xmlns="jabber:client" type="result" id="a1" from="localhost" to="alice@localhost/c">'
    '<query xmlns="http://jabber.org/protocol/disco#info">'
    '<identity category="server" type="im" name="Prosody"/><feature var="urn:xmpp:ping"/></query></iq>'
)


def only(diff, side: Side) -> list[str]:
    return [line.text.strip() for line in diff.lines if line.side is side]


def test_prefixes_default_namespaces_and_attribute_order_do_not_count():
    rewritten = (
        "<iq to='alice@localhost/c' from='localhost' id='a1' type='result'>"
        "<d:query xmlns:d='http://jabber.org/protocol/disco#info'>"
        "<d:identity name='Prosody' type='im' category='server'/>\n  <d:feature var='urn:xmpp:ping'/></d:query></iq>"
    )
    diff = compare(SERVER_INFO, rewritten, ignore_volatile=False)
    assert diff.same, diff.lines
    assert diff.describe().startswith("The same after normalising")


def test_a_component_or_server_stanza_namespace_is_the_client_one():
    component = SERVER_INFO.replace('xmlns="jabber:client"', 'xmlns="jabber:component:accept"')
    assert compare(SERVER_INFO, component).same


def test_a_different_namespace_on_a_child_is_a_difference():
    other = SERVER_INFO.replace("disco#info", "disco#items")
    diff = compare(SERVER_INFO, other)
    assert 'xmlns="http://jabber.org/protocol/disco#items"' in " ".join(only(diff, Side.SECOND))


def test_two_accounts_answers_differ_in_identity_and_features_only():
    account = (
        "<iq type='result' id='b7' from='alice@localhost' to='alice@localhost/c'>"
        "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='account' type='registered'/>"
        "<feature var='urn:xmpp:ping'/><feature var='urn:xmpp:mam:2'/></query></iq>"
    )
    diff = compare(SERVER_INFO, account)
    assert only(diff, Side.FIRST) == [
        '<iq from="localhost" id="(ignored)" to="alice@localhost/c" type="result">',
        '<identity category="server" name="Prosody" type="im"/>',
    ]
    assert only(diff, Side.SECOND) == [
        '<iq from="alice@localhost" id="(ignored)" to="alice@localhost/c" type="result">',
        '<identity category="account" type="registered"/>',
        '<feature var="urn:xmpp:mam:2"/>',
    ]
    assert '<feature var="urn:xmpp:ping"/>' in only(diff, Side.BOTH)
    assert diff.describe() == "2 line(s) only in the first, 3 only in the second (ids and timestamps ignored)."


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ('<iq id="x1" type="result"/>', '<iq id="x2" type="result"/>'),
        (
            '<message><delay xmlns="urn:xmpp:delay" stamp="2002-09-10T23:08:25Z"/></message>',
            '<message><delay xmlns="urn:xmpp:delay" stamp="2026-12-02T05:00:00.123+01:00"/></message>',
        ),
        (
            '<iq type="result"><time xmlns="urn:xmpp:time"><utc>2026-12-02T05:00:00Z</utc></time></iq>',
            '<iq type="result"><time xmlns="urn:xmpp:time"><utc>2026-12-02T05:00:01.5Z</utc></time></iq>',
        ),
        ('<x date="1969-07-21"/>', '<x date="2026-12-02"/>'),
        (
            '<result><forwarded><item id="old"/></forwarded></result>',
            '<result><forwarded><item id="new"/></forwarded></result>',
        ),
    ],
)
def test_ids_and_timestamps_differ_only_when_compared(first, second):
    assert compare(first, second).same
    compared = compare(first, second, ignore_volatile=False)
    assert not compared.same
    assert compared.describe().endswith("(ids and timestamps compared).")


def test_xep_0082_profiles_and_legacy_stamps_are_timestamps_and_other_values_are_not():
    for value in ("2026-12-02", "2026-12-02T05:00:00Z", "05:00:00", "05:00:00.25-08:00", "20021017T23:08:25"):
        assert is_timestamp(value), value
    for value in ("2026", "urn:xmpp:time", "0.12.3", "12:30", "2026-12-02T05:00:00"):
        assert not is_timestamp(value), value


def test_text_children_and_mixed_content_each_get_a_line():
    lines, cut = normal_lines("<a><b>one</b>two<c/></a>", ignore_volatile=False)
    assert lines == ["<a>", "  <b>one</b>", "  <c/>", "  two", "</a>"]
    assert not cut


def test_what_is_not_one_element_is_compared_as_its_text_lines():
    header = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='localhost'>"
    assert normal_lines(header) == ([header], False)
    entities = '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;&a;</x>'
    assert normal_lines(entities) == ([entities], False), "a DTD's entities are never expanded"


def test_a_huge_stanza_is_compared_from_its_start_quickly_and_says_so():
    items = "".join(f'<item jid="user{number}@localhost"/>' for number in range(200_000))
    huge = f'<iq type="result"><query xmlns="jabber:iq:roster">{items}</query></iq>'
    assert len(huge) > MAX_COMPARED_CHARS
    started = time.process_time()
    diff = compare(huge, huge.replace("user5@", "user6@"))
    assert time.process_time() - started < 5
    assert diff.cut and "only the first 256 KB of each compared" in diff.describe()
    assert only(diff, Side.FIRST) == ['<item jid="user5@localhost"/>']


def test_the_placeholder_names_what_was_left_out():
    lines, _ = normal_lines('<iq id="abc" type="get"/>')
    assert lines == [f'<iq id="{IGNORED}" type="get"/>']
