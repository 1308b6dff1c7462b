"""Listeners: the core tells front ends about changes; a faulty front end never breaks the core."""

from __future__ import annotations

from iqconsole.core.events import Listeners
from iqconsole.core.responders import ResponderSet
from iqconsole.core.traffic import Direction, Kind, TrafficStore


def test_store_changes_reach_listeners_until_they_unsubscribe():
    store = TrafficStore()
    heard: list[object] = []
    unsubscribe = store.changed.subscribe(heard.append)
    store.append(Direction.OUT, Kind.IQ, "<iq type='get' id='a'/>", stanza_id="a", type="get")
    store.mark_timed_out(Direction.OUT, "a")
    store.mark_timed_out(Direction.OUT, "a")  # already given up: nothing changes, nothing said
    assert len(heard) == 2
    unsubscribe()
    store.append(Direction.IN, Kind.PRESENCE, "<presence/>")
    assert len(heard) == 2


def test_a_failing_listener_is_logged_and_the_others_still_hear(caplog):
    store = TrafficStore()
    heard: list[object] = []

    def broken(_change: None) -> None:
        raise RuntimeError("a view that cannot draw")

    store.changed.subscribe(broken)
    store.changed.subscribe(heard.append)
    entry = store.append(Direction.IN, Kind.PRESENCE, "<presence/>")
    assert store.by_seq(entry.seq) is entry and len(heard) == 1
    assert "a listener failed" in caplog.text


def test_responder_changes_and_hits_are_announced():
    responders = ResponderSet()
    heard: list[object] = []
    responders.changed.subscribe(heard.append)
    responders.add("pong", "iq@type=get/ping")
    responders.set_enabled("pong", False)
    assert len(heard) == 2


def test_subscribing_while_emitting_takes_effect_from_the_next_change():
    listeners: Listeners[int] = Listeners()
    heard: list[tuple[str, int]] = []
    listeners.subscribe(lambda value: listeners.subscribe(lambda later: heard.append(("late", later))))
    listeners.emit(1)
    assert heard == []
    listeners.emit(2)
    assert ("late", 2) in heard
