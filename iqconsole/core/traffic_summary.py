"""The short description that leads each line of the traffic log, so a wall of XML scans well."""

from __future__ import annotations

from iqconsole.core.server_features import describe_namespace
from iqconsole.core.traffic import Direction, Kind, TrafficEntry

JABBER_PROTOCOL = "http://jabber.org/protocol/"


def size_label(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def namespace_label(namespace: str) -> str:
    """'disco#info (XEP-0030)' for the disco#info namespace: short, with its spec where known."""
    short = namespace.removeprefix(JABBER_PROTOCOL)
    spec = describe_namespace(namespace).split(" ", 1)[0]
    return f"{short} ({spec})" if spec else short


def entry_summary(entry: TrafficEntry) -> str:
    """'iq get to localhost id=v1 jabber:iq:version 64 B' (only the parts the entry has)."""
    parts = [entry.kind.value if entry.kind is not Kind.OTHER else entry.tag or "other"]
    if entry.kind in (Kind.SASL, Kind.SM, Kind.STREAM, Kind.NOTICE) and entry.tag:
        parts[0] = f"{entry.kind.value}:{entry.tag}"
    if entry.type:
        parts.append(entry.type)
    peer = entry.recipient if entry.direction is Direction.OUT else entry.sender
    if peer:
        parts.append(("to " if entry.direction is Direction.OUT else "from ") + peer)
    if entry.stanza_id:
        parts.append(f"id={entry.stanza_id}")
    if entry.namespace and entry.kind in (Kind.IQ, Kind.MESSAGE, Kind.PRESENCE):
        parts.append(namespace_label(entry.namespace))
    if entry.kind is not Kind.NOTICE:  # a notice's text is the console's, not a stanza's size
        parts.append(size_label(entry.size))
    return " ".join(parts)
