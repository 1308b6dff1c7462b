"""Scansion's matching rules: what a script's expected stanza accepts and refuses, and where a
failure report points."""

from __future__ import annotations

import pytest

from iqconsole.core.scansion.match import mismatch
from iqconsole.core.scansion.script import parse_xml
from iqconsole.core.scansion.xml_lines import MARK, xml_lines


def first_difference(expected: str, received: str) -> str | None:
    found = mismatch(parse_xml(expected)[0], parse_xml(received)[0])
    return None if found is None else f"{found.path}: {found.reason}"


@pytest.mark.parametrize(
    ("expected", "received"),
    [
        # non-strict (jabber:client): extra attributes and children are ignored, order too
        ('<presence from="a@b/c"/>', '<presence from="a@b/c" id="x"><x xmlns="vcard-temp:x:update"/></presence>'),
        (
            "<message><body>hi</body><thread>t</thread></message>",
            "<message><thread>t</thread><body> hi </body></message>",
        ),
        ('<iq id="{scansion:any}" type="result"/>', '<iq id="anything" type="result" to="a@b/c"/>'),
        ("<message><body>{scansion:any}</body></message>", "<message><body>whatever</body></message>"),
        # strict (own namespace): the same attributes and children in order; text only where given
        ("<iq><q xmlns='urn:x'><a/><b/></q></iq>", "<iq><q xmlns='urn:x'><a/><b/></q></iq>"),
        ("<iq><q xmlns='urn:x'><h name='A'></h></q></iq>", "<iq><q xmlns='urn:x'><h name='A'>token</h></q></iq>"),
        # scansion:strict="false" relaxes a namespaced element and what is inside it
        (
            "<iq><q xmlns='urn:x' scansion:strict='false'><f v='2'/></q></iq>",
            "<iq><q xmlns='urn:x' extra='1'><f v='1'/><f v='2' w='3'/></q></iq>",
        ),
    ],
)
def test_accepted(expected: str, received: str) -> None:
    assert first_difference(expected, received) is None


@pytest.mark.parametrize(
    ("expected", "received", "difference"),
    [
        ("<presence/>", "<message/>", "/presence: element: expected <presence>, received <message>"),
        ('<iq type="result"/>', '<iq type="error"/>', "/iq: attribute type: expected 'result', received 'error'"),
        ('<iq id="{scansion:any}"/>', "<iq/>", "/iq: attribute id is missing"),
        (
            "<message><body>hi</body></message>",
            "<message><body>ho</body></message>",
            "/message/body: text: expected 'hi', received 'ho'",
        ),
        (
            "<message><subject/></message>",
            "<message><body/></message>",
            "/message/subject: no <subject> among the received children",
        ),
        ("<iq><q xmlns='urn:x'/></iq>", "<iq><q xmlns='urn:x' v='1'/></iq>", "/iq/q: unexpected attribute v (strict)"),
        (
            "<iq><q xmlns='urn:x'><a/><b/></q></iq>",
            "<iq><q xmlns='urn:x'><b/><a/></q></iq>",
            "/iq/q/a: element: expected <a xmlns='urn:x'>, received <b xmlns='urn:x'>",
        ),
        (
            "<iq><q xmlns='urn:x'><a/></q></iq>",
            "<iq><q xmlns='urn:x'><a/><b/></q></iq>",
            "/iq/q: unexpected child <b xmlns='urn:x'> (strict)",
        ),
        (
            "<iq><q xmlns='urn:x'><a/><b/></q></iq>",
            "<iq><q xmlns='urn:x'><a/></q></iq>",
            "/iq/q: child <b xmlns='urn:x'> is missing (strict: in this order)",
        ),
        (
            "<iq><q xmlns='urn:x'/></iq>",
            "<iq><q xmlns='urn:y'/></iq>",
            "/iq/q: no <q xmlns='urn:x'> among the received children",
        ),
        # several of the same name: none of them is it (the first one's difference would mislead)
        (
            "<iq><q xmlns='urn:x' scansion:strict='false'><f v='3'/></q></iq>",
            "<iq><q xmlns='urn:x'><f v='1'/><f v='2'/></q></iq>",
            "/iq/q/f: no <f xmlns='urn:x' v='3'> among the 2 received of that name",
        ),
        # scansion:strict="true" tightens a jabber:client element
        ('<presence scansion:strict="true"/>', '<presence id="1"/>', "/presence: unexpected attribute id (strict)"),
    ],
)
def test_refused_with_the_first_difference(expected: str, received: str, difference: str) -> None:
    assert first_difference(expected, received) == difference


def test_the_report_points_at_the_differing_element_in_both_stanzas() -> None:
    expected = parse_xml(
        "<iq type='result'><query xmlns='jabber:iq:roster' ver='{scansion:any}'><item jid='n@l' subscription='both'/></query></iq>"
    )[0]
    received = parse_xml(
        "<iq type='result' id='1'><query xmlns='jabber:iq:roster' ver='2'><item jid='n@l' subscription='none'/></query></iq>"
    )[0]
    found = mismatch(expected, received)
    assert found is not None
    assert xml_lines(received, found.received) == [
        '<iq type="result" id="1">',
        '  <query xmlns="jabber:iq:roster" ver="2">',
        f'    <item jid="n@l" subscription="none"/>{MARK}',
        "  </query>",
        "</iq>",
    ]
    assert [line for line in xml_lines(expected, found.expected) if line.endswith(MARK)] == [
        f'    <item jid="n@l" subscription="both"/>{MARK}'
    ]
