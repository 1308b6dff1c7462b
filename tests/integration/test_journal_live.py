"""The journal of a real login to Prosody: secrets are never in it (SASL, an in-band
registration form), and what it holds reads back as the session's traffic."""

from __future__ import annotations

import base64

from iqconsole.core.journal import Journal, past_sessions
from iqconsole.core.redact import REDACTED
from iqconsole.core.session import Session, Settled
from iqconsole.core.stanza import prepare
from iqconsole.core.traffic import Kind, TrafficStore
from iqconsole.core.traffic_export import read_jsonl
from tests.xmpp_helpers import account_for

FORM_SECRET = "Journal-Form-Secret-7d1"
PLAIN_SECRET = "Journal-Plain-Secret-4c9"
# To bob's bare JID: his server refuses it (nothing is registered or changed), after it was sent.
REGISTER_FORM = f"""<iq type='set' to='bob@localhost'><query xmlns='jabber:iq:register'>
<x xmlns='jabber:x:data' type='submit'>
<field var='FORM_TYPE' type='hidden'><value>jabber:iq:register</value></field>
<field var='username'><value>mallory</value></field>
<field var='password' type='text-private'><value>{FORM_SECRET}</value></field>
</x></query></iq>"""
REGISTER_PLAIN = (
    "<iq type='set' to='bob@localhost'><query xmlns='jabber:iq:register'>"
    f"<username>mallory</username><password>{PLAIN_SECRET}</password></query></iq>"
)


async def test_no_password_reaches_the_journal(prosody, tmp_path):
    account = account_for(prosody, "alice", resource="journal")
    password = account.password.reveal()
    store = TrafficStore()
    journal = Journal(tmp_path / "journal", store)
    journal.begin(account.jid, account.address)
    journal.start()
    session = Session(account, store)
    await session.open()
    try:
        for text in (REGISTER_FORM, REGISTER_PLAIN):
            (outgoing,) = prepare(text)
            outcome = await session.request(outgoing)
            assert outcome.settled is Settled.ERROR, outcome.describe()
    finally:
        await session.close()
        journal.close()
    assert journal.path is not None
    text = journal.path.read_text()
    for secret in (password, FORM_SECRET, PLAIN_SECRET):
        assert secret not in text
        assert base64.b64encode(secret.encode()).decode()[:12] not in text
    written = read_jsonl(journal.path)
    assert [entry.xml for entry in written] == [entry.xml for entry in store]
    sasl = [entry for entry in written if entry.kind is Kind.SASL and entry.tag in ("auth", "response")]
    assert sasl and all(entry.redacted and REDACTED in entry.xml for entry in sasl)
    register = [entry for entry in written if "jabber:iq:register" in entry.xml and entry.type == "set"]
    assert len(register) == 2 and all(entry.redacted and REDACTED in entry.xml for entry in register)
    (listed,) = past_sessions(tmp_path / "journal").sessions
    assert (listed.account, listed.server) == (account.jid, account.address)
    assert listed.stanzas == sum(1 for entry in store if entry.kind is not Kind.NOTICE)
