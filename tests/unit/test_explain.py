"""The explanation builder: what a learner reads about a stanza, from the knowledge files."""

from __future__ import annotations

from iqconsole.core.explain import explain_draft, explain_entry, specification_of
from iqconsole.core.protocol import CLIENT_NS, SASL_NS, STANZAS_NS
from iqconsole.core.server_features import DiscoInfo, ServerFeatures
from iqconsole.core.traffic import Direction, Kind, TrafficStore
from iqconsole.core.traffic_summary import entry_summary, namespace_label
from iqconsole.core.validation import Context
from tests.recorded_traffic import every_request_state

IN, OUT = Direction.IN, Direction.OUT
OWN = "alice@example.org/console"


def lines(explanation, title: str) -> str:
    section = explanation.section(title)
    assert section is not None, f"no section {title!r} in {[s.title for s in explanation.sections]}"
    return "\n".join(section.lines)


def store_with(*stanzas: tuple[Direction, Kind, str, dict]) -> TrafficStore:
    store = TrafficStore(own_jid=OWN)
    for tick, (direction, kind, xml, fields) in enumerate(stanzas):
        store.append(direction, kind, xml, at=(10.0 + tick * 0.0125, 1_700_000_000.0 + tick), **fields)
    return store


VERSION_GET = (
    OUT,
    Kind.IQ,
    "<iq type='get' to='example.org' id='v1'><query xmlns='jabber:iq:version'/></iq>",
    {"stanza_id": "v1", "type": "get", "recipient": "example.org", "namespace": "jabber:iq:version"},
)
VERSION_RESULT = (
    IN,
    Kind.IQ,
    "<iq type='result' id='v1' from='example.org' to='alice@example.org/console'>"
    "<query xmlns='jabber:iq:version'><name>Prosody</name><version>0.12.3</version></query></iq>",
    {"stanza_id": "v1", "type": "result", "sender": "example.org", "namespace": "jabber:iq:version"},
)


def test_an_iq_result_says_what_it_answers_after_how_long_and_what_its_payload_is():
    store = store_with(VERSION_GET, VERSION_RESULT)
    explanation = explain_entry(store[1], store)
    assert explanation.title == "iq result · #1 received · XEP-0092 Software Version"
    assert explanation.xml == store[1].xml
    assert "Info/Query" in lines(explanation, "What it is")
    attributes = lines(explanation, "Attributes")
    assert "type='result': the successful answer to a get or set with the same id" in attributes
    assert "from='example.org': the sender" in attributes and "here your own server" in attributes
    assert "to='alice@example.org/console': the recipient; here your own session" in attributes
    assert "xml:lang: absent" in attributes
    payload = lines(explanation, "Payload")
    assert "<query xmlns='jabber:iq:version'>" in payload and "XEP-0092: Software Version (Draft)" in payload
    assert "<name> = Prosody: the software's name" in payload
    exchange = lines(explanation, "Exchange")
    assert "The reply to #0 (iq get," in exchange and "after 12.5 ms" in exchange
    assert "exactly one result or error" in lines(explanation, "Rules of iq (RFC 6120 §8.2.3)")


def test_a_request_says_whether_its_reply_came():
    store = every_request_state()
    by_id = {entry.stanza_id: entry for entry in store if entry.direction is OUT}
    assert "The result came as #" in lines(explain_entry(by_id["answered"], store), "Exchange")
    assert "No reply yet: still waiting." in lines(explain_entry(by_id["pending"], store), "Exchange")
    assert "No reply came: timed out" in lines(explain_entry(by_id["timed-out"], store), "Exchange")
    late = lines(explain_entry(by_id["late"], store), "Exchange")
    assert "It came late: the request had timed out" in late
    assert "You asked example.org: it must answer with exactly one result or error with id='answered'" in lines(
        explain_entry(by_id["answered"], store), "Exchange"
    )


def test_an_error_reply_explains_its_condition_type_and_what_to_do_before_the_rest():
    error = (
        f"<iq type='error' id='v1' from='example.org'><query xmlns='jabber:iq:version'/>"
        f"<error type='modify'><item-not-found xmlns='{STANZAS_NS}'/><text xmlns='{STANZAS_NS}'>no such\x9b thing</text>"
        "<blocked xmlns='urn:xmpp:blocking:errors'/></error></iq>"
    )
    store = store_with(VERSION_GET, (IN, Kind.IQ, error, {"stanza_id": "v1", "type": "error", "sender": "example.org"}))
    explanation = explain_entry(store[1], store)
    assert [section.title for section in explanation.sections][:2] == ["What it is", "Error"]
    text = lines(explanation, "Error")
    assert "Condition: item-not-found (RFC 6120 §8.3.3.7: XMPP Core (Proposed Standard))" in text
    assert (
        "Type: 'modify': Retry after changing the data sent. (this condition usually comes with type 'cancel')" in text
    )
    assert "What to do: Check the address" in text
    assert "The server's text: no such\x9b thing" in text, "the UI makes control characters visible, not the core"
    assert "Application-specific condition <blocked> (XEP-0191 Blocking Command (errors))" in text
    assert "repeated in the error reply" in lines(explanation, "Payload")


def test_a_missing_from_means_the_own_server_and_a_missing_to_the_own_account():
    store = store_with(
        (
            OUT,
            Kind.IQ,
            "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>",
            {"stanza_id": "r1", "type": "get"},
        ),
        (
            IN,
            Kind.IQ,
            "<iq type='result' id='r1'><query xmlns='jabber:iq:roster'/></iq>",
            {"stanza_id": "r1", "type": "result"},
        ),
    )
    request, reply = explain_entry(store[0], store), explain_entry(store[1], store)
    assert "to: absent: addressed to your own account: your server handles it" in lines(request, "Attributes")
    assert "from: absent: your server stamps your full JID on it" in lines(request, "Attributes")
    assert "from: absent: it came from your own server (RFC 6120 §8.1.2.1)" in lines(reply, "Attributes")
    assert "You asked your own account (your server answers)" in lines(request, "Exchange")
    assert "RFC 6121 §2: XMPP Instant Messaging and Presence" in lines(request, "Payload")


def test_a_request_from_a_peer_must_be_answered_and_a_message_expects_nothing():
    store = store_with(
        (
            IN,
            Kind.IQ,
            "<iq type='get' id='q1' from='bob@example.org/phone'><time xmlns='urn:xmpp:time'/></iq>",
            {"stanza_id": "q1", "type": "get", "sender": "bob@example.org/phone"},
        ),
        (
            IN,
            Kind.MESSAGE,
            "<message from='bob@example.org/phone' type='chat'><body>hi</body></message>",
            {"type": "chat"},
        ),
    )
    asked = explain_entry(store[0], store)
    assert "bob@example.org/phone asks you: your client must answer" in lines(asked, "Exchange")
    assert "one client or session of an account (a full JID" in lines(asked, "Attributes")
    message = explain_entry(store[1], store)
    assert message.title.startswith("message chat · #1 received")
    assert "No reply is expected" in lines(message, "Exchange")
    assert "type='chat': a one-to-one chat line" in lines(message, "Attributes")


def test_login_entries_say_which_step_they_are():
    failure = f"<failure xmlns='{SASL_NS}'><not-authorized/><text>bad password</text></failure>"
    store = store_with(
        (
            OUT,
            Kind.STREAM,
            "<stream:stream to='example.org' xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' version='1.0'>",
            {},
        ),
        (
            OUT,
            Kind.SASL,
            f"<auth xmlns='{SASL_NS}' mechanism='PLAIN'>[redacted]</auth>",
            {"tag": "auth", "namespace": SASL_NS},
        ),
        (IN, Kind.SASL, failure, {"tag": "failure", "namespace": SASL_NS}),
        (
            OUT,
            Kind.IQ,
            "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>c</resource></bind></iq>",
            {"stanza_id": "b1", "type": "set", "namespace": "urn:ietf:params:xml:ns:xmpp-bind"},
        ),
        (
            IN,
            Kind.STREAM,
            "<stream:error xmlns:stream='http://etherx.jabber.org/streams'><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>other.example.org</see-other-host></stream:error>",
            {"tag": "error"},
        ),
    )
    header = explain_entry(store[0], store)
    assert header.title == "<stream> · #0 sent · login step 1: Open the stream"
    assert "to='example.org'" in lines(header, "Attributes")
    auth = explain_entry(store[1], store)
    assert "Login step 3 of 5: Authenticate with SASL (RFC 6120 §6" in lines(auth, "What it is")
    assert "mechanism='PLAIN': the SASL mechanism chosen" in lines(auth, "Attributes")
    refused = lines(explain_entry(store[2], store), "Error")
    assert "Condition: not-authorized (RFC 6120 §6.5.10" in refused and "The server's text: bad password" in refused
    assert "Login step 4 of 5: Bind a resource" in lines(explain_entry(store[3], store), "What it is")
    stream_error = lines(explain_entry(store[4], store), "Error")
    assert "Condition: see-other-host (RFC 6120 §4.9.3.19" in stream_error
    assert "the connection closes right after it" in stream_error


def test_the_specification_of_an_entry_names_its_payloads_or_its_kinds():
    store = store_with(VERSION_GET, (OUT, Kind.SASL, f"<auth xmlns='{SASL_NS}'/>", {"tag": "auth"}))
    assert specification_of(store[0]) == "XEP-0092 Software Version"
    assert specification_of(store[1]) == "RFC 6120 §6 SASL"


def test_a_draft_is_explained_as_written_with_what_would_stop_it():
    text = "<iq type='get' to='${domain}'><ping xmlns='urn:xmpp:ping'/></iq>\n\n<iq type='get' to='example.org'/>\n"
    context = Context("alice@example.org/console")
    first = explain_draft(text, 5, context)
    assert first.title == "iq get · draft · XEP-0199 XMPP Ping"
    assert "to='${domain}': the recipient; a ${variable} here, filled in when it is sent" in lines(first, "Attributes")
    assert "id: absent: the console gives it a fresh id when it is sent" in lines(first, "Attributes")
    assert "Not sent yet. Once sent, the console waits for exactly one result or error" in lines(first, "Exchange")
    assert first.section("Before sending") is None
    assert first.xml == "<iq type='get' to='${domain}'><ping xmlns='urn:xmpp:ping'/></iq>"
    second = explain_draft(text, len(text) - 2, context)
    assert "None: a get or set must carry exactly one child" in lines(second, "Payload")
    assert "✖ line 3, column 1: an <iq type='get'> must carry exactly one child element, not 0" in lines(
        second, "Before sending"
    )


def test_a_draft_that_is_not_xml_yet_says_where():
    explanation = explain_draft("<iq type='get'>", 3, Context())
    assert explanation.title == "Not a stanza yet"
    assert "line 1, column" in lines(explanation, "Problem")


def test_a_long_value_is_cut_and_an_unknown_namespace_said_so():
    blob = "A" * 5000
    xml = f"<iq type='set' id='{blob}' to='example.org'><thing xmlns='urn:example:unknown'/></iq>"
    store = store_with((OUT, Kind.IQ, xml, {"stanza_id": blob[:10], "type": "set"}))
    explanation = explain_entry(store[0], store)
    assert "…(5,000 chars)" in lines(explanation, "Attributes")
    assert "no entry for this namespace" in lines(explanation, "Payload")
    assert len(explanation.text) < 5000


def test_notices_and_keepalives_are_not_stanzas():
    store = store_with((OUT, Kind.KEEPALIVE, " ", {}))
    store.notice("a stanza over the size limit was skipped", "skipped")
    assert "keep an idle connection open" in lines(explain_entry(store[0], store), "What it is")
    notice = lines(explain_entry(store[1], store), "What it is")
    assert "written by the console itself" in notice and "It says: a stanza over the size limit" in notice


def test_a_huge_error_reply_is_explained_from_its_start_and_its_error():
    items = "".join(f"<item jid='user{n}@example.org'><group>G</group></item>" for n in range(20_000))
    xml = (
        f"<iq type='error' id='r2' from='example.org'><query xmlns='jabber:iq:roster'>{items}</query>"
        f"<error type='wait'><resource-constraint xmlns='{STANZAS_NS}'/></error></iq>"
    )
    store = store_with((IN, Kind.IQ, xml, {"stanza_id": "r2", "type": "error", "sender": "example.org"}))
    explanation = explain_entry(store[0], store)
    assert "Condition: resource-constraint (RFC 6120 §8.3.3.18" in lines(explanation, "Error")
    assert "<item>: one contact" in lines(explanation, "Payload")
    assert "only the first 2,000 elements were looked at" in lines(explanation, "Payload")
    assert lines(explanation, "Note") == f"Only its first 256 KB of {len(xml):,} characters were read to explain it."


def test_a_stanza_without_payload_is_cited_by_its_kinds_rules_everywhere():
    empty = (IN, Kind.IQ, "<iq type='result' id='e1' from='example.org'/>", {"type": "result", "namespace": CLIENT_NS})
    chat = (IN, Kind.MESSAGE, "<message from='bob@example.org'><body>hi</body></message>", {"namespace": CLIENT_NS})
    store = store_with(empty, chat)
    assert specification_of(store[0]) == "RFC 6120 §8.2.3", "the IQ rules, as F6's title says"
    assert explain_entry(store[0], store).specification == "RFC 6120 §8.2.3"
    assert "no payload (RFC 6120 §8.2.3)" in entry_summary(store[0]), "the log line cites the same"
    assert specification_of(store[1]) == "RFC 6120 §8.2.1"
    assert "no extension (RFC 6120 §8.2.1)" in entry_summary(store[1])
    assert namespace_label("jabber:iq:roster") == "jabber:iq:roster (RFC 6121)", "an RFC is named with its number"


def test_an_address_is_told_from_what_discovery_found_and_neutrally_when_unknown():
    room = "iqconsole-demo@conference.example.org"
    error = (
        f"<iq type='error' id='m1' from='{room}'><error type='cancel'>"
        f"<item-not-found xmlns='{STANZAS_NS}'/></error></iq>"
    )
    store = store_with((IN, Kind.IQ, error, {"type": "error", "sender": room}))
    features = ServerFeatures([DiscoInfo("conference.example.org", ("conference/text Chatrooms",))])
    known = lines(explain_entry(store[0], store, features), "Attributes")
    assert "here a chat room (a bare JID at the chat service conference.example.org" in known
    assert "an account" not in known
    unknown = lines(explain_entry(store[0], store), "Attributes")
    assert "here a bare JID (name@domain): an account, a chat room or another entity" in unknown


def test_a_recorded_sasl_secret_is_said_redacted_when_recorded_not_behind_a_key():
    auth = (OUT, Kind.SASL, f"<auth xmlns='{SASL_NS}' mechanism='PLAIN'>[redacted]</auth>", {"tag": "auth"})
    recorded = store_with((*auth[:3], {**auth[3], "redacted": True}))
    said = lines(explain_entry(recorded[0], recorded), "What it is")
    assert "redacted when the traffic was recorded" in said and "Secrets key" not in said
    live = store_with((*auth[:3], {**auth[3], "redacted": True}))
    live.keep_secret(0, f"<auth xmlns='{SASL_NS}' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>")
    assert "the detail pane's Secrets key shows it" in lines(explain_entry(live[0], live), "What it is")
