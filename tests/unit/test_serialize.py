"""The log's text of a received stanza is exactly what slixmpp's tostring wrote before."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slixmpp.xmlstream.tostring import tostring

import iqconsole.core.client  # noqa: F401 (installs the linear escape slixmpp's tostring uses)
from iqconsole.core.serialize import stanza_text
from iqconsole.core.stanza import parse_stanzas
from iqconsole.core.templates import discover_templates, sample_variables

CLIENT = "jabber:client"
SAMPLES = [
    '<message xmlns="jabber:client" to="a@b/c" type="headline" id="i-1"><body>flood 1</body></message>',
    '<iq xmlns="jabber:client" type="get" id="p"><ping xmlns="urn:xmpp:ping"/></iq>',
    '<iq xmlns="jabber:client" type="result" id="v"><query xmlns="jabber:iq:version"><name>x &amp; &lt;y&gt; \'q\' "d"</name></query></iq>',
    '<message xmlns="jabber:client" xml:lang="en" a="&quot;&apos;&amp;"><body xml:lang="de">Hallo</body>tail<x xmlns="" /></message>',
    '<presence xmlns="jabber:client" xmlns:foo="urn:foo" foo:bar="dropped" baz="kept"><c xmlns="http://jabber.org/protocol/caps" hash="sha-1"/></presence>',
    '<features xmlns="http://etherx.jabber.org/streams"><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls></features>',
    "<message><body>no namespace at all</body> <!-- --> text after </message>",
    '<iq xmlns="jabber:client"><a><b><c>deep</c>t1</b>t2</a>t3</iq>',
]


@pytest.mark.parametrize("xml", SAMPLES)
def test_the_text_is_slixmpps(xml: str) -> None:
    element = ET.fromstring(xml)
    assert stanza_text(element, CLIENT) == tostring(element, xmlns=CLIENT)


def test_every_template_reads_as_slixmpp_writes_it() -> None:
    templates, _errors = discover_templates(None)
    for template in templates.values():
        for element in parse_stanzas(template.render(sample_variables(template.variables))):
            assert stanza_text(element, CLIENT) == tostring(element, xmlns=CLIENT), template.name


names = st.sampled_from(["iq", "query", "item", "x", "body"])
namespaces = st.sampled_from(["", CLIENT, "urn:a", "http://www.w3.org/XML/1998/namespace"])
texts = st.one_of(st.none(), st.text(alphabet="a<>&'\" \n\u00e9", max_size=6))


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> ET.Element:
    namespace = draw(namespaces)
    name = draw(names)
    element = ET.Element(f"{{{namespace}}}{name}" if namespace else name)
    for attribute in draw(
        st.lists(
            st.sampled_from(["id", "to", "{urn:a}k", "{http://www.w3.org/XML/1998/namespace}lang"]),
            max_size=3,
            unique=True,
        )
    ):
        element.set(attribute, draw(st.text(alphabet="v<&'\" ", max_size=4)))
    element.text = draw(texts)
    if depth < 3:
        for child in draw(st.lists(elements(depth + 1), max_size=3)):
            child.tail = draw(texts)
            element.append(child)
    return element


@settings(max_examples=300, deadline=None)
@given(elements(), namespaces)
def test_any_tree_reads_as_slixmpp_writes_it(element: ET.Element, xmlns: str) -> None:
    assert stanza_text(element, xmlns) == tostring(element, xmlns=xmlns)
