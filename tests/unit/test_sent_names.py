"""What the log reads from a stanza it sends is the same whether read from the element or parsed from its text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from slixmpp.xmlstream.tostring import tostring

from iqconsole.core.sent_names import READ_ATTRIBUTES, names_as_written, names_of

STREAM_NS = "http://etherx.jabber.org/streams"
NAMESPACES = ["jabber:client", "", "urn:xmpp:ping", "urn:a", STREAM_NS, "urn:mapped"]
# What slixmpp's tostring reads of a stream: a console's, after the user sent an attribute in urn:mapped.
STREAM: Any = SimpleNamespace(
    default_ns="jabber:client",
    stream_ns=STREAM_NS,
    use_cdata=False,
    namespace_map={STREAM_NS: "stream", "urn:mapped": "ns9"},
)
VALUES = st.text(alphabet="a <>&'\"\n\t\r\x01é", max_size=5)


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def element_of(namespace: str, name: str, attributes: dict, text, children: list) -> ET.Element:
    element = ET.Element(tag(namespace, name), attributes)
    element.text = text
    element.extend(children)
    return element


attributes = st.dictionaries(st.sampled_from([*READ_ATTRIBUTES, "node"]), VALUES, max_size=4)
elements = st.recursive(
    st.builds(
        element_of,
        st.sampled_from(NAMESPACES),
        st.sampled_from(["iq", "query", "x"]),
        attributes,
        st.none() | VALUES,
        st.just([]),
    ),
    lambda children: st.builds(
        element_of,
        st.sampled_from(NAMESPACES),
        st.sampled_from(["iq", "message", "error"]),
        attributes,
        st.none() | VALUES,
        st.lists(children, max_size=3),
    ),
    max_leaves=6,
)


def read_names(element: ET.Element):
    text = tostring(element, xmlns=STREAM.default_ns, stream=STREAM, top_level=True)
    names = names_as_written(element, text, (STREAM.default_ns, STREAM.stream_ns), STREAM.namespace_map.values())
    return text, names


@settings(max_examples=300, deadline=None)
@given(element=elements)
def test_names_from_the_element_are_those_parsing_its_text_gives(element):
    text, names = read_names(element)
    try:
        parsed = ET.fromstring(text)
    except ET.ParseError:
        assert names is None, text
        return
    if names is not None:
        assert names == names_of(parsed), text
        assert {name: element.get(name) for name in READ_ATTRIBUTES} == {
            name: parsed.get(name) for name in READ_ATTRIBUTES
        }, text


def test_a_responders_reply_is_read_from_its_element():
    reply = ET.Element("{jabber:client}iq", {"type": "result", "id": "p-1", "to": "bob@localhost/r"})
    ET.SubElement(reply, "{jabber:client}error", {"type": "cancel"})
    text, names = read_names(reply)
    assert names is not None and names == names_of(ET.fromstring(text))
    assert (names.namespace, names.local, names.child_namespace) == ("", "iq", "")


def test_a_stream_element_or_a_character_xml_forbids_is_left_to_parsing():
    assert read_names(ET.Element(f"{{{STREAM_NS}}}error"))[1] is None
    assert read_names(ET.Element("{jabber:client}message", {"id": "a\x01"}))[1] is None
    assert read_names(ET.Element("{jabber:client}message", {"id": "a\nb"}))[1] is None
