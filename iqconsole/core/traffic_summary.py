"""The short description that leads each line of the traffic log, so a wall of XML scans well."""

from __future__ import annotations

import time

from iqconsole.core.knowledge import knowledge
from iqconsole.core.protocol import CLIENT_NS, COMPONENT_NS, SERVER_NS
from iqconsole.core.traffic import Direction, Kind, TrafficEntry, TrafficStore

JABBER_PROTOCOL = "http://jabber.org/protocol/"
MAX_FIELD_CHARS = 80  # a server chooses ids and addresses: a huge one would push the rest off the line


def size_label(size: int) -> str:
    """1.2 MB, 340 KB, 512 B: a size to read at a glance (a KB is 1,024 bytes)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"


def namespace_label(namespace: str) -> str:
    """'disco#info (XEP-0030)' for the disco#info namespace, 'jabber:iq:roster (RFC 6121)': short,
    with its specification where known."""
    short = namespace.removeprefix(JABBER_PROTOCOL)
    topic = knowledge().topic(namespace)
    return f"{short} ({topic.spec.key})" if topic is not None else short


def payload_label(entry: TrafficEntry) -> str:
    """The payload's namespace label; for a stanza with no payload of its own (an empty result;
    a message or presence with only RFC children such as <body>), the rules of its kind, as F6
    cites them: 'no payload (RFC 6120 §8.2.3)', 'no extension (RFC 6121 §4)'."""
    if entry.namespace in (CLIENT_NS, SERVER_NS, COMPONENT_NS):
        what = "no payload" if entry.kind is Kind.IQ else "no extension"
        return f"{what} ({knowledge().kinds[entry.kind.value].reference})"
    return namespace_label(entry.namespace)


def short(value: str) -> str:
    """A field cut to MAX_FIELD_CHARS, with its length said when cut."""
    if len(value) <= MAX_FIELD_CHARS:
        return value
    return f"{value[:MAX_FIELD_CHARS]}…({len(value):,} chars)"


def entry_summary(entry: TrafficEntry) -> str:
    """'iq get to localhost id=v1 jabber:iq:version 64 B' (only the parts the entry has)."""
    parts = [entry.kind.value if entry.kind is not Kind.OTHER else short(entry.tag) or "other"]
    if entry.kind in (Kind.SASL, Kind.SM, Kind.STREAM, Kind.NOTICE) and entry.tag:
        parts[0] = f"{entry.kind.value}:{short(entry.tag)}"
    if entry.type:
        parts.append(short(entry.type))
    peer = entry.recipient if entry.direction is Direction.OUT else entry.sender
    if peer:
        parts.append(("to " if entry.direction is Direction.OUT else "from ") + short(peer))
    if entry.stanza_id:
        parts.append(f"id={short(entry.stanza_id)}")
    if entry.namespace and entry.kind in (Kind.IQ, Kind.MESSAGE, Kind.PRESENCE):
        parts.append(short(payload_label(entry)))
    if entry.kind is not Kind.NOTICE:  # a notice's text is the console's, not a stanza's size
        parts.append(size_label(entry.size))
    return " ".join(parts)


def duration_label(seconds: float) -> str:
    """'21 ms', '4.2 s', '3 min 5 s', '2 h 48 min': as precise as a reader of a recording needs."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    return f"{minutes // 60} h {minutes % 60} min"


def recording_summary(name: str, store: TrafficStore) -> str:
    """What a recorded log holds: 'log.jsonl · 9 stanzas · 2023-11-14 22:13:20 → 22:13:21 (1.0 s)'."""
    count = len(store)
    if not count:
        return f"{name} · no stanzas"
    kept = f"{count:,} stanza{'s' if count != 1 else ''}"
    if store.dropped:
        kept += f" (the oldest {store.dropped:,} not kept)"
    first, last = time.localtime(store[0].wall), time.localtime(store[-1].wall)
    end_format = "%H:%M:%S" if first[:3] == last[:3] else "%Y-%m-%d %H:%M:%S"
    span = (
        f"{time.strftime('%Y-%m-%d %H:%M:%S', first)} → {time.strftime(end_format, last)}"
        f" ({duration_label(store[-1].wall - store[0].wall)})"
    )
    parts = [name, kept, span]
    if store.own_jid:
        parts.append(f"recorded as {store.own_jid}")
    return " · ".join(parts)
