"""A received stanza's text in the log is exactly what slixmpp's tostring wrote before."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from slixmpp.xmlstream.tostring import tostring

import iqconsole.core.client  # noqa: F401 (its linear `escape` is what slixmpp's tostring uses in the console)
from iqconsole.core.stanza_text import stanza_text

ROOT = Path(__file__).resolve().parents[2]
XML_NS = "http://www.w3.org/XML/1998/namespace"
NAMESPACES = ["jabber:client", "", "urn:xmpp:ping", "urn:a", XML_NS]
NAMES = ["iq", "message", "body", "query", "x", "item", "error"]
TEXTS = st.one_of(st.none(), st.text(alphabet="ab <>&'\"\n\t\u00e9\U0001f600", max_size=8))


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def element_of(namespace: str, name: str, attributes: dict, text, tail, children: list) -> ET.Element:
    element = ET.Element(tag(namespace, name), attributes)
    element.text, element.tail = text, tail
    element.extend(children)
    return element


attribute_names = st.builds(tag, st.sampled_from(NAMESPACES), st.sampled_from(["id", "type", "lang", "node"]))
elements = st.recursive(
    st.builds(
        lambda namespace, name, attributes, text, tail: element_of(namespace, name, attributes, text, tail, []),
        st.sampled_from(NAMESPACES[:4]),
        st.sampled_from(NAMES),
        st.dictionaries(attribute_names, st.text(alphabet="a <>&'\"", max_size=5), max_size=3),
        TEXTS,
        TEXTS,
    ),
    lambda children: st.builds(
        element_of,
        st.sampled_from(NAMESPACES[:4]),
        st.sampled_from(NAMES),
        st.dictionaries(attribute_names, st.text(max_size=5), max_size=2),
        TEXTS,
        TEXTS,
        st.lists(children, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(elements, st.sampled_from(["jabber:client", "", "jabber:component:accept"]))
def test_any_element_is_written_as_slixmpp_writes_it(element, xmlns):
    assert stanza_text(element, xmlns) == tostring(element, xmlns=xmlns)


def test_every_valid_stanza_of_the_corpus_reads_the_same():
    lines = (ROOT / "tests" / "data" / "valid-stanzas.xml").read_text(encoding="utf-8").splitlines()
    stanzas = [line for line in lines if line.startswith("<") and not line.startswith("<!--")]
    assert len(stanzas) > 20
    for line in stanzas:
        element = ET.fromstring(f'<stream xmlns="jabber:client">{line}</stream>')[0]
        assert stanza_text(element, "jabber:client") == tostring(element, xmlns="jabber:client"), line
