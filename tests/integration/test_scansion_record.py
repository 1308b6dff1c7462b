"""A console session written as a conversation script replays green against the same server,
and the script says what changed when the server answers differently."""

from __future__ import annotations

from iqconsole.core.account import Account, Secret
from iqconsole.core.responders import ResponderSet
from iqconsole.core.scansion.record import record_script
from iqconsole.core.scansion.report import step_lines
from iqconsole.core.scansion.run import ScriptRun, ServerAddress
from iqconsole.core.scansion.script import parse_script
from iqconsole.core.session import Session
from iqconsole.core.stanza import prepare
from iqconsole.core.traffic import Direction, TrafficStore
from tests.xmpp_helpers import eventually

EXCHANGES = [
    "<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    "<iq type='get'><query xmlns='jabber:iq:roster'/></iq>",
    "<iq type='set'><query xmlns='jabber:iq:roster'><item jid='nurse@localhost' name='Nurse'/></query></iq>",
    "<iq type='set'><vCard xmlns='vcard-temp'><FN>Recorder</FN></vCard></iq>",
    "<iq type='get'><vCard xmlns='vcard-temp'/></iq>",
    "<iq type='get' to='localhost'><time xmlns='urn:xmpp:time'/></iq>",
    "<iq type='get' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    # what the session changed is put back, so that the same server answers the same next time
    "<iq type='set'><query xmlns='jabber:iq:roster'><item jid='nurse@localhost' subscription='remove'/></query></iq>",
]


async def record_a_session(prosody, username: str) -> tuple[str, str]:
    """A session as the console runs it (initial presence, pushes acknowledged), as a script."""
    account = prosody.add_account(username)
    store = TrafficStore()
    session = Session(
        Account(f"{account.jid}/console", Secret(account.password), prosody.host, prosody.port, prosody.ca_file),
        store,
        ResponderSet(),
    )
    await session.open()
    try:
        for text in EXCHANGES:
            outcome = await session.request(prepare(text)[0], timeout=30)
            assert outcome.answered, outcome.describe()
        message = prepare(f"<message to='{session.own_jid}' type='chat'><body>note to self</body></message>")[0]
        session.send(message)
        await eventually(
            lambda: any(e.direction is Direction.IN and "note to self" in e.xml for e in store), 30, "the message back"
        )
        await eventually(
            lambda: sum(e.responder == "server push" and e.direction is Direction.OUT for e in store) == 2,
            30,
            "both roster pushes answered",
        )
    finally:
        await session.close()
    return record_script(store.entries, store.own_jid, title="A recorded session"), account.password


async def replay(prosody, text: str, password: str):
    script = parse_script(text, "recorded.scs")
    (name,) = script.characters
    address = ServerAddress(prosody.host, prosody.port, prosody.ca_file)
    return await ScriptRun(script, {name: password}, address, receive_timeout=30).run()


async def test_a_recorded_session_replays_green(prosody) -> None:
    text, password = await record_a_session(prosody, "recorder")
    assert password not in text
    assert "Recorder sends:" in text and "Recorder receives:" in text
    assert "${Recorder's full JID}" in text
    assert "urn:ietf:params:xml:ns:xmpp-bind" not in text  # login is not part of the script
    assert 'stamp="' not in text or 'stamp="{scansion:any}"' in text
    result = await replay(prosody, text, password)
    assert result.passed, text + "\n".join(line for step in result.steps for line in step_lines(step))
    assert len(result.steps) == len(parse_script(text).steps) > 20


async def test_a_replay_shows_what_changed(prosody) -> None:
    text, password = await record_a_session(prosody, "changer")
    changed = text.replace("<FN>Recorder</FN>", "<FN>Someone else</FN>", 1)
    changed = changed.replace("<FN>Recorder</FN>", "<FN>Recorded</FN>", 1)  # the expected answer differs
    result = await replay(prosody, changed, password)
    assert not result.passed
    failure = result.failure
    assert failure is not None
    assert failure.problem.endswith("at /iq/vCard/FN: text: expected 'Recorded', received 'Someone else'")
