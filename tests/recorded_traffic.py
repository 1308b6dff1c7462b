"""Recorded traffic shared by the core and UI tests."""

from __future__ import annotations

from iqconsole.core.traffic import STANZAS_NS, Direction, Kind, PairState, TrafficStore

IN, OUT = Direction.IN, Direction.OUT


def every_request_state() -> TrafficStore:
    """One request in each state a console can show, with replies where they came."""
    store = TrafficStore(own_jid="alice@example.org/console")
    clock = iter(range(100))

    def request(stanza_id: str) -> None:
        tick = next(clock)
        store.append(
            OUT,
            Kind.IQ,
            f"<iq type='get' id='{stanza_id}' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>",
            stanza_id=stanza_id,
            recipient="example.org",
            type="get",
            at=(10.0 + tick, 1_700_000_000.0 + tick),
        )

    def reply(stanza_id: str, kind: str = "result", payload: str = "") -> None:
        tick = next(clock) + 0.125
        store.append(
            IN,
            Kind.IQ,
            f"<iq type='{kind}' id='{stanza_id}' from='example.org'>{payload}</iq>",
            stanza_id=stanza_id,
            sender="example.org",
            type=kind,
            at=(10.0 + tick, 1_700_000_000.0 + tick),
        )

    for stanza_id in ("answered", "error", "timed-out", "cancelled", "late", "late-after-cancel", "pending"):
        request(stanza_id)
    store.mark_timed_out(OUT, "timed-out")
    store.mark_timed_out(OUT, "cancelled", PairState.CANCELLED)
    store.mark_timed_out(OUT, "late")
    store.mark_timed_out(OUT, "late-after-cancel", PairState.CANCELLED)
    for stanza_id in ("answered", "late", "late-after-cancel"):
        reply(stanza_id)
    reply("error", "error", f"<error type='cancel'><service-unavailable xmlns='{STANZAS_NS}'/></error>")
    return store
