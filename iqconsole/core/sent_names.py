"""The names the log reads from a stanza being sent, from the element slixmpp has just written,
without parsing its text again.

The log records what goes out from the text that reaches the socket (so a stream header, a
keepalive or text the user sends raw are logged too), and used to parse it back to read the
element's tag, attributes and first child: for a responder answering a flood, that was one XML
parse per reply. When the text is slixmpp's serialization of a known element, the same names
follow from the element and the rules of that serialization (a namespace equal to the stream's
is not written, so it reads back as none; a child in its parent's namespace reads back as its
parent). When the text could read otherwise (characters XML does not allow, a prefixed tag,
attribute values that parsing would normalise), None: the caller parses it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import NamedTuple

from iqconsole.core.stanza import split_tag

# Characters XML 1.0 does not allow: parsing such a text fails (the log then keeps it as stream text).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NORMALISED = re.compile("[\t\n\r]")  # parsing turns them into spaces in an attribute value
READ_ATTRIBUTES = ("id", "from", "to", "type")


class StanzaNames(NamedTuple):
    """What the log reads of an element: its namespace and local name, its first child's namespace.
    A tuple: one is made per stanza in and out, and a frozen dataclass costs several times more."""

    namespace: str
    local: str
    child_namespace: str


def names_of(element: ET.Element) -> StanzaNames:
    namespace, local = split_tag(element.tag)
    return StanzaNames(namespace, local, split_tag(element[0].tag)[0] if len(element) else "")


def names_as_written(
    element: ET.Element, text: str, stream_namespaces: Iterable[str], prefixes: Iterable[str]
) -> StanzaNames | None:
    """The names `ET.fromstring(text)` would give, `text` being slixmpp's top-level serialization
    of `element` on a stream whose own namespaces (default, stream) are `stream_namespaces` and
    whose namespace map has `prefixes`; None when only parsing can tell."""
    if _NOT_XML.search(text) is not None or any(f"<{prefix}:" in text for prefix in prefixes if prefix):
        return None
    if "\t" in text or "\n" in text or "\r" in text:
        attributes = element.attrib
        if any(_NORMALISED.search(attributes.get(name, "")) for name in READ_ATTRIBUTES):
            return None
    namespace, local = split_tag(element.tag)
    written = "" if namespace in stream_namespaces else namespace
    child_namespace = ""
    if len(element):
        child = split_tag(element[0].tag)[0]
        child_namespace = child if child != namespace else written
    return StanzaNames(written, local, child_namespace)
