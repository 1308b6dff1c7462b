"""Turn a logged stanza into editor text: the same stanza again (fresh id), or a reply to it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from slixmpp.xmlstream.tostring import tostring

from iqconsole.core.pretty import pretty_xml
from iqconsole.core.responder_reply import ERROR_CONDITIONS, error_element
from iqconsole.core.stanza import StanzaError, new_id, parse_stanzas, split_tag
from iqconsole.core.traffic import CLIENT_NS, TrafficEntry

MAX_EDIT_CHARS = 512 * 1024  # the editor re-checks its whole text on every keystroke


def _element(entry: TrafficEntry) -> ET.Element:
    if entry.size > MAX_EDIT_CHARS:
        raise StanzaError(f"this stanza is too large to edit ({entry.size:,} characters): copy or export it instead")
    elements = parse_stanzas(entry.xml)
    if len(elements) != 1:
        raise StanzaError("this entry is not a single stanza")
    return elements[0]


def _text(element: ET.Element) -> str:
    return pretty_xml(tostring(element, xmlns=CLIENT_NS), shorten=False)


def replay_text(entry: TrafficEntry) -> str:
    """The stanza with a fresh id and no `from` (the server sets it), ready to send again."""
    element = _element(entry)
    element.attrib.pop("from", None)
    if element.get("id") is not None or split_tag(element.tag)[1] == "iq":
        element.set("id", new_id())
    return _text(element)


def reply_text(entry: TrafficEntry, error: bool = False) -> str:
    """A result (or a service-unavailable error) addressed to the sender of a request."""
    request = _element(entry)
    if split_tag(request.tag)[1] != "iq" or request.get("type") not in ("get", "set"):
        raise StanzaError("only an IQ get or set can be replied to")
    reply = ET.Element(f"{{{CLIENT_NS}}}iq", {"type": "error" if error else "result", "id": request.get("id", "")})
    if sender := request.get("from"):
        reply.set("to", sender)
    if error:
        reply.append(error_element("service-unavailable", ERROR_CONDITIONS["service-unavailable"]))
    elif len(request):
        ET.SubElement(reply, request[0].tag)
    return _text(reply)
