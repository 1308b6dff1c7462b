"""The XMPP vocabulary every core module shares: namespaces, stanza kinds, IQ types.

Parsing, checking and recording stanzas all speak it; keeping it here lets the stanza modules
stay independent of the traffic store.
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache

STREAM_NS = "http://etherx.jabber.org/streams"
CLIENT_NS = "jabber:client"
SERVER_NS = "jabber:server"
COMPONENT_NS = "jabber:component:accept"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"
XML_NS = "http://www.w3.org/XML/1998/namespace"  # the `xml:` prefix (xml:lang)
SM_NS_PREFIX = "urn:xmpp:sm:"
SASL2_NS_PREFIX = "urn:xmpp:sasl:"

IQ_TYPES = ("get", "set", "result", "error")
REQUEST_TYPES = ("get", "set")
REPLY_TYPES = ("result", "error")

_STANZA_NAMESPACES = (CLIENT_NS, "", SERVER_NS, COMPONENT_NS)


class Kind(str, Enum):
    IQ = "iq"
    MESSAGE = "message"
    PRESENCE = "presence"
    STREAM = "stream"
    SASL = "sasl"
    SM = "sm"
    KEEPALIVE = "keepalive"
    OTHER = "other"
    NOTICE = "notice"  # not on the wire: the console saying what it did with the stream (xml is a sentence)


STANZA_KINDS = (Kind.IQ, Kind.MESSAGE, Kind.PRESENCE)


@lru_cache(maxsize=1024)  # asked once per stanza in and out, of a few names
def kind_of(tag: str, namespace: str) -> Kind:
    """Classify an element by its local name and namespace."""
    if namespace in _STANZA_NAMESPACES and tag in ("iq", "message", "presence"):
        return Kind(tag)
    if namespace in (STREAM_NS, TLS_NS):
        return Kind.STREAM
    if namespace == SASL_NS or namespace.startswith(SASL2_NS_PREFIX):
        return Kind.SASL
    if tag == "handshake" and namespace in (COMPONENT_NS, ""):  # a component's login (XEP-0114)
        return Kind.SASL
    if namespace.startswith(SM_NS_PREFIX):
        return Kind.SM
    return Kind.OTHER
