"""Indented XML for reading one stanza at a time (the detail pane)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from slixmpp.xmlstream.tostring import tostring

from iqconsole.core.stanza import StanzaError, parse_stanzas

MAX_PRETTY_CHARS = 4 * 1024 * 1024
MAX_RAW_CHARS = 256 * 1024
FOLD_AT = 240
FOLD_KEEP = 60


def raw_xml(xml: str) -> str:
    """The stanza as captured, cut (with its size said) so that showing it never freezes the screen."""
    if len(xml) > MAX_RAW_CHARS:
        return xml[:MAX_RAW_CHARS] + f"\n… cut: {len(xml):,} characters in all"
    return xml


def fold(text: str) -> str:
    """Long text (base64 avatars, file data) shortened to its start and its length."""
    stripped = text.strip()
    if len(stripped) <= FOLD_AT:
        return text
    return f"{stripped[:FOLD_KEEP]}… [{len(stripped):,} chars folded]"


def pretty_xml(xml: str) -> str:
    """Indent a serialized stanza, folding long text; what is not one element (stream headers)
    is returned as is. Huge stanzas are cut so that showing one never freezes the screen."""
    if len(xml) > MAX_PRETTY_CHARS:
        return raw_xml(xml)
    try:
        elements = parse_stanzas(xml)
    except StanzaError:
        return xml
    if len(elements) != 1:
        return xml
    element = elements[0]
    for node in element.iter():
        if node.text and len(node.text) > FOLD_AT:
            node.text = fold(node.text)
    ET.indent(element, space="  ")
    return raw_xml(tostring(element, xmlns="jabber:client"))
