"""Writing a session as a script: what was sent stays as sent (own JIDs as references), what
came back keeps what a replay will see again and matches the rest with {scansion:any}."""

from __future__ import annotations

import pytest

from iqconsole.core.scansion.record import character_name, record_script, volatile
from iqconsole.core.scansion.script import Action, parse_script
from iqconsole.core.traffic import Direction, Kind, TrafficStore

OWN = "alice@localhost/console"


def session() -> TrafficStore:
    store = TrafficStore(own_jid=OWN)
    bind = (
        '<iq type="set" id="b1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>console</resource></bind></iq>'
    )
    store.append(Direction.OUT, Kind.IQ, bind, stanza_id="b1", type="set", namespace="urn:ietf:params:xml:ns:xmpp-bind")
    bound = f'<iq type="result" id="b1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><jid>{OWN}</jid></bind></iq>'
    store.append(Direction.IN, Kind.IQ, bound, stanza_id="b1", type="result")
    store.append(Direction.OUT, Kind.STREAM, "<r xmlns='urn:xmpp:sm:3'/>")
    ping = f'<iq type="get" id="q1" to="{OWN}"><ping xmlns="urn:xmpp:ping"/></iq>'
    store.append(Direction.OUT, Kind.IQ, ping, stanza_id="q1", type="get", recipient=OWN)
    reply = f'<iq type="result" id="q1" from="{OWN}" to="{OWN}"/>'
    store.append(Direction.IN, Kind.IQ, reply, stanza_id="q1", type="result", sender=OWN)
    message = (
        '<message from="bob@localhost/phone" to="alice@localhost" id="srv9"><body>hi</body>'
        '<delay xmlns="urn:xmpp:delay" stamp="2026-12-02T05:00:00Z" from="localhost"/>'
        '<stanza-id xmlns="urn:xmpp:sid:0" id="Xy7" by="alice@localhost"/></message>'
    )
    store.append(Direction.IN, Kind.MESSAGE, message, stanza_id="srv9", sender="bob@localhost/phone")
    return store


def test_a_session_becomes_sends_and_generalized_receives() -> None:
    text = record_script(session().entries, OWN)
    script = parse_script(text)
    assert list(script.characters) == ["Alice"]
    assert [step.action for step in script.steps] == [
        Action.CONNECTS,
        Action.SENDS,
        Action.RECEIVES,
        Action.RECEIVES,
        Action.DISCONNECTS,
    ]
    sent, reply, message = (step.xml for step in script.steps[1:4])
    assert 'to="${Alice\'s full JID}"' in sent and 'id="q1"' in sent
    assert 'id="q1"' in reply, "a reply keeps the id of our request"
    assert 'from="{scansion:any}"' in message, "another client's resource varies"
    assert 'to="${Alice\'s JID}"' in message
    assert 'id="{scansion:any}"' in message and "srv9" not in message and "Xy7" not in message
    assert 'stamp="{scansion:any}"' in message and 'from="localhost"' in message
    assert "<body>hi</body>" in message
    assert "bind" not in text and "urn:xmpp:sm" not in text


def test_the_volatile_names_are_read_from_their_data_file() -> None:
    known = volatile()
    assert {"id", "stamp", "ver"} <= known.attributes and {"first", "last"} <= known.texts


@pytest.mark.parametrize(
    ("jid", "name"),
    [("alice@localhost/console", "Alice"), ("jean-luc.picard@x.org", "Jean Luc Picard"), ("localhost", "Localhost")],
)
def test_character_names(jid: str, name: str) -> None:
    assert character_name(jid) == name


def test_a_log_without_an_account_cannot_become_a_script() -> None:
    with pytest.raises(ValueError, match="which account"):
        record_script(session().entries, "")


def test_a_component_session_becomes_a_component_character() -> None:
    store = TrafficStore(own_jid="svc.localhost")
    request = '<iq type="get" id="r1" from="romeo@localhost/abc" to="svc.localhost"><ping xmlns="urn:xmpp:ping"/></iq>'
    store.append(Direction.IN, Kind.IQ, request, stanza_id="r1", type="get", sender="romeo@localhost/abc")
    script = parse_script(record_script(store.entries, "svc.localhost"))
    (service,) = script.characters.values()
    assert service.component and service.jid == "svc.localhost"
    assert 'to="${Svc Localhost\'s JID}"' in script.steps[1].xml
