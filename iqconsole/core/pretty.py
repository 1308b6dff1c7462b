"""Indented XML for reading one stanza at a time (the detail pane)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from slixmpp.xmlstream.tostring import tostring

from iqconsole.core.stanza import StanzaError, parse_stanzas

MAX_PRETTY_CHARS = 256 * 1024


def pretty_xml(xml: str) -> str:
    """Indent a serialized stanza; text that is not one element (stream headers) is returned as is.

    Huge stanzas are cut (with their size said) so that showing one never freezes the screen.
    """
    if len(xml) > MAX_PRETTY_CHARS:
        return xml[:MAX_PRETTY_CHARS] + f"\n… cut: {len(xml):,} characters in all"
    try:
        elements = parse_stanzas(xml)
    except StanzaError:
        return xml
    if len(elements) != 1:
        return xml
    element = elements[0]
    ET.indent(element, space="  ")
    return tostring(element, xmlns="jabber:client")
