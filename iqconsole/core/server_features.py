"""What the server, its components and the account announce (XEP-0030), and which XEP each namespace is.

After login the console asks the server for disco#info and disco#items, then disco#info of each
item (its components: MUC, pubsub, upload, proxies), and disco#info of the account's own bare JID
(where servers announce PEP and MAM). `parse_disco_info`/`parse_disco_items` read the replies;
`ServerFeatures` collects them, answers "does this entity announce this feature?" (the template
picker marks the templates whose target does) and lists every feature with its XEP name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from iqconsole.core.stanza import StanzaError, parse_stanzas

__all__ = [
    "DISCO_INFO",
    "DISCO_ITEMS",
    "NAMESPACES",
    "DiscoInfo",
    "ServerFeatures",
    "describe_namespace",
    "is_known_namespace",
    "parse_disco_info",
    "parse_disco_items",
]

DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"

# namespace -> where it is specified and what it is called
NAMESPACES: dict[str, str] = {
    "jabber:client": "RFC 6120 Client stream",
    "jabber:server": "RFC 6120 Server stream",
    "urn:ietf:params:xml:ns:xmpp-stanzas": "RFC 6120 Stanza errors",
    "urn:ietf:params:xml:ns:xmpp-streams": "RFC 6120 Stream errors",
    "urn:ietf:params:xml:ns:xmpp-sasl": "RFC 6120 SASL",
    "urn:ietf:params:xml:ns:xmpp-tls": "RFC 6120 STARTTLS",
    "urn:ietf:params:xml:ns:xmpp-bind": "RFC 6120 Resource binding",
    "urn:ietf:params:xml:ns:xmpp-session": "RFC 3921 Session establishment",
    "jabber:iq:roster": "RFC 6121 Roster",
    "urn:xmpp:features:rosterver": "RFC 6121 Roster versioning",
    "urn:xmpp:features:pre-approval": "RFC 6121 Subscription pre-approval",
    "jabber:x:data": "XEP-0004 Data Forms",
    "jabber:iq:last": "XEP-0012 Last Activity",
    "jabber:iq:privacy": "XEP-0016 Privacy Lists",
    "http://jabber.org/protocol/disco#info": "XEP-0030 Service Discovery (info)",
    "http://jabber.org/protocol/disco#items": "XEP-0030 Service Discovery (items)",
    "http://jabber.org/protocol/muc": "XEP-0045 Multi-User Chat",
    "http://jabber.org/protocol/muc#admin": "XEP-0045 Multi-User Chat (admin)",
    "http://jabber.org/protocol/muc#owner": "XEP-0045 Multi-User Chat (owner)",
    "http://jabber.org/protocol/muc#user": "XEP-0045 Multi-User Chat (user)",
    "http://jabber.org/protocol/muc#unique": "XEP-0045 Multi-User Chat (unique room names)",
    "jabber:iq:private": "XEP-0049 Private XML Storage",
    "http://jabber.org/protocol/commands": "XEP-0050 Ad-Hoc Commands",
    "vcard-temp": "XEP-0054 vcard-temp",
    "jabber:iq:search": "XEP-0055 Jabber Search",
    "http://jabber.org/protocol/rsm": "XEP-0059 Result Set Management",
    "http://jabber.org/protocol/pubsub": "XEP-0060 Publish-Subscribe",
    "http://jabber.org/protocol/pubsub#owner": "XEP-0060 Publish-Subscribe (owner)",
    "http://jabber.org/protocol/pubsub#event": "XEP-0060 Publish-Subscribe (events)",
    "http://jabber.org/protocol/pubsub#errors": "XEP-0060 Publish-Subscribe (errors)",
    "http://jabber.org/protocol/pubsub#publish-options": "XEP-0060 Publish-Subscribe (publish options)",
    "http://jabber.org/protocol/bytestreams": "XEP-0065 SOCKS5 Bytestreams",
    "jabber:x:oob": "XEP-0066 Out of Band Data",
    "jabber:iq:oob": "XEP-0066 Out of Band Data (iq)",
    "http://jabber.org/protocol/address": "XEP-0033 Extended Stanza Addressing",
    "http://jabber.org/protocol/ibb": "XEP-0047 In-Band Bytestreams",
    "jabber:iq:register": "XEP-0077 In-Band Registration",
    "http://jabber.org/features/iq-register": "XEP-0077 In-Band Registration (stream feature)",
    "jabber:iq:auth": "XEP-0078 Non-SASL Authentication",
    "http://jabber.org/protocol/amp": "XEP-0079 Advanced Message Processing",
    "http://jabber.org/protocol/geoloc": "XEP-0080 User Location",
    "http://jabber.org/protocol/chatstates": "XEP-0085 Chat State Notifications",
    "jabber:iq:time": "XEP-0090 Legacy Entity Time",
    "jabber:iq:version": "XEP-0092 Software Version",
    "http://jabber.org/protocol/si": "XEP-0095 Stream Initiation",
    "http://jabber.org/protocol/caps": "XEP-0115 Entity Capabilities",
    "http://jabber.org/protocol/tune": "XEP-0118 User Tune",
    "http://jabber.org/protocol/shim": "XEP-0131 Stanza Headers and Internet Metadata",
    "http://jabber.org/protocol/compress": "XEP-0138 Stream Compression",
    "http://jabber.org/protocol/nick": "XEP-0172 User Nickname",
    "urn:xmpp:jingle:1": "XEP-0166 Jingle",
    "http://jabber.org/protocol/mood": "XEP-0107 User Mood",
    "http://jabber.org/protocol/activity": "XEP-0108 User Activity",
    "urn:xmpp:receipts": "XEP-0184 Message Delivery Receipts",
    "urn:xmpp:blocking": "XEP-0191 Blocking Command",
    "urn:xmpp:blocking:errors": "XEP-0191 Blocking Command (errors)",
    "urn:xmpp:sm:3": "XEP-0198 Stream Management",
    "urn:xmpp:ping": "XEP-0199 XMPP Ping",
    "urn:xmpp:time": "XEP-0202 Entity Time",
    "urn:xmpp:delay": "XEP-0203 Delayed Delivery",
    "urn:xmpp:bob": "XEP-0231 Bits of Binary",
    "urn:xmpp:carbons:2": "XEP-0280 Message Carbons",
    "urn:xmpp:carbons:rules:0": "XEP-0280 Message Carbons (rules)",
    "urn:xmpp:forward:0": "XEP-0297 Stanza Forwarding",
    "urn:xmpp:vcard4": "XEP-0292 vCard4 over XMPP",
    "urn:ietf:params:xml:ns:vcard-4.0": "XEP-0292 vCard4 over XMPP",
    "urn:xmpp:mam:2": "XEP-0313 Message Archive Management",
    "urn:xmpp:mam:2#extended": "XEP-0313 Message Archive Management (extended)",
    "urn:xmpp:mam:1": "XEP-0313 Message Archive Management (v1)",
    "urn:xmpp:mam:0": "XEP-0313 Message Archive Management (v0)",
    "urn:xmpp:idle:1": "XEP-0319 Last User Interaction in Presence",
    "http://jabber.org/protocol/offline": "XEP-0013 Flexible Offline Message Retrieval",
    "msgoffline": "XEP-0160 Offline messages",
    "urn:xmpp:push:0": "XEP-0357 Push Notifications",
    "urn:xmpp:http:upload:0": "XEP-0363 HTTP File Upload",
    "urn:xmpp:http:upload": "XEP-0363 HTTP File Upload (legacy)",
    "urn:xmpp:hints": "XEP-0334 Message Processing Hints",
    "urn:xmpp:sid:0": "XEP-0359 Unique and Stable Stanza IDs",
    "urn:xmpp:message-correct:0": "XEP-0308 Last Message Correction",
    "urn:xmpp:chat-markers:0": "XEP-0333 Chat Markers",
    "urn:xmpp:extdisco:2": "XEP-0215 External Service Discovery",
    "urn:xmpp:csi:0": "XEP-0352 Client State Indication",
    "urn:xmpp:bookmarks:1": "XEP-0402 PEP Native Bookmarks",
    "urn:xmpp:bookmarks:1#compat": "XEP-0402 PEP Native Bookmarks (compat)",
    "urn:xmpp:bookmarks-conversion:0": "XEP-0411 Bookmarks Conversion",
    "storage:bookmarks": "XEP-0048 Bookmarks",
    "storage:rosternotes": "XEP-0145 Annotations",
    "urn:xmpp:reply:0": "XEP-0461 Message Replies",
    "urn:xmpp:reactions:0": "XEP-0444 Message Reactions",
    "urn:xmpp:occupant-id:0": "XEP-0421 Anonymous unique occupant identifiers",
    "urn:xmpp:invite": "XEP-0249 Direct MUC Invitations",
    "jabber:x:conference": "XEP-0249 Direct MUC Invitations",
    "urn:xmpp:avatar:data": "XEP-0084 User Avatar (data)",
    "urn:xmpp:avatar:metadata": "XEP-0084 User Avatar (metadata)",
    "urn:xmpp:avatar:metadata+notify": "XEP-0084 User Avatar (notify)",
    "urn:xmpp:microblog:0": "XEP-0277 Microblogging",
    "urn:xmpp:omemo:2": "XEP-0384 OMEMO Encryption",
    "eu.siacs.conversations.axolotl": "XEP-0384 OMEMO Encryption (legacy)",
    "urn:xmpp:sasl:2": "XEP-0388 Extensible SASL Profile",
    "urn:xmpp:bind:0": "XEP-0386 Bind 2",
    "urn:xmpp:fast:0": "XEP-0484 Fast Authentication Streamlining Tokens",
    "urn:xmpp:ssn": "XEP-0155 Stanza Session Negotiation",
    "urn:xmpp:jingle:apps:rtp:1": "XEP-0167 Jingle RTP Sessions",
    "urn:xmpp:jingle:apps:file-transfer:5": "XEP-0234 Jingle File Transfer",
    "http://jabber.org/protocol/xhtml-im": "XEP-0071 XHTML-IM",
    "http://jabber.org/protocol/pubsub#publish": "XEP-0060 Publish-Subscribe (publish)",
    "http://jabber.org/protocol/pubsub#retract-items": "XEP-0060 Publish-Subscribe (retract)",
    "http://jabber.org/protocol/pubsub#subscribe": "XEP-0060 Publish-Subscribe (subscribe)",
    "http://jabber.org/protocol/pubsub#config-node": "XEP-0060 Publish-Subscribe (node configuration)",
    "http://jabber.org/protocol/pubsub#retrieve-items": "XEP-0060 Publish-Subscribe (retrieve items)",
}

# Feature names built from a namespace and a suffix (pubsub#publish, muc_persistent, …).
_PREFIXES = (
    ("http://jabber.org/protocol/pubsub#", "XEP-0060 Publish-Subscribe feature"),
    ("http://jabber.org/protocol/muc#", "XEP-0045 Multi-User Chat feature"),
    ("muc_", "XEP-0045 Multi-User Chat room feature"),
    ("urn:xmpp:mam:", "XEP-0313 Message Archive Management"),
    ("urn:xmpp:jingle:", "XEP-0166 Jingle"),
)


def describe_namespace(namespace: str) -> str:
    """'XEP-0199 XMPP Ping' for 'urn:xmpp:ping'; '' when unknown."""
    if namespace in NAMESPACES:
        return NAMESPACES[namespace]
    return next((name for prefix, name in _PREFIXES if namespace.startswith(prefix)), "")


def is_known_namespace(namespace: str) -> bool:
    return bool(describe_namespace(namespace))


@dataclass(frozen=True)
class DiscoInfo:
    """One entity's disco#info answer."""

    jid: str
    identities: tuple[str, ...] = ()  # 'category/type name'
    features: tuple[str, ...] = ()


def _query(xml: str, namespace: str) -> ET.Element:
    try:
        (iq,) = parse_stanzas(xml)
    except (StanzaError, ValueError):
        raise ValueError("not one stanza") from None
    query = iq.find(f"{{{namespace}}}query")
    if iq.get("type") != "result" or query is None:
        raise ValueError(f"not a {namespace} result")
    return query


def parse_disco_info(xml: str, jid: str) -> DiscoInfo:
    """Read a disco#info result; ValueError when `xml` is not one."""
    query = _query(xml, DISCO_INFO)
    identities = tuple(
        f"{node.get('category', '?')}/{node.get('type', '?')}" + (f" {node.get('name')}" if node.get("name") else "")
        for node in query.findall(f"{{{DISCO_INFO}}}identity")
    )
    features = tuple(sorted({node.get("var", "") for node in query.findall(f"{{{DISCO_INFO}}}feature")} - {""}))
    return DiscoInfo(jid, identities, features)


def parse_disco_items(xml: str) -> list[str]:
    """The JIDs of a disco#items result (components of a server); ValueError when not one."""
    query = _query(xml, DISCO_ITEMS)
    jids = [node.get("jid", "") for node in query.findall(f"{{{DISCO_ITEMS}}}item")]
    return list(dict.fromkeys(jid for jid in jids if jid))


@dataclass
class ServerFeatures:
    """The server's answer and its components' answers, in the order they came, and apart from
    them the account's own (its bare JID: PEP, MAM), which is not a component of the server."""

    entities: list[DiscoInfo] = field(default_factory=list)
    account: DiscoInfo | None = None

    def add(self, info: DiscoInfo) -> None:
        self.entities.append(info)

    def announces(self, jid: str, feature: str) -> bool:
        """Whether the entity `jid` (the server, a component or the account) announced `feature`."""
        return any(info.jid == jid and feature in info.features for info in self.groups())

    def groups(self) -> list[DiscoInfo]:
        """The server and its components, then the account."""
        return [*self.entities, *([self.account] if self.account is not None else [])]

    def rows(self) -> list[tuple[str, str, str]]:
        """(entity, feature, XEP name) for every announced feature, entity by entity, the account last."""
        return [(info.jid, feature, describe_namespace(feature)) for info in self.groups() for feature in info.features]
