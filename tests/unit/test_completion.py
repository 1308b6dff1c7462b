"""What the composer offers at the cursor, from the element model: element names (with their
xmlns for a payload), attributes, values, namespaces, fixed texts; never an error on half-typed text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from iqconsole.core.completion import Completions, complete


def at_bar(text: str) -> Completions | None:
    """Complete where `|` is, in `text` without it."""
    cursor = text.index("|")
    return complete(text.replace("|", "", 1), cursor)


def inserts(text: str) -> list[str]:
    found = at_bar(text)
    return [candidate.insert for candidate in found.candidates] if found else []


def test_the_stanzas_at_the_top_then_a_payload_with_its_namespace():
    assert inserts("<|") == ["iq", "message", "presence"]
    payloads = inserts('<iq type="get"><pi|')
    assert payloads[0] == 'ping xmlns="urn:xmpp:ping"'


def test_a_childs_name_in_its_parents_namespace_comes_first():
    assert inserts('<iq type="set"><query xmlns="jabber:iq:roster"><|')[0] == "item"
    assert inserts('<iq type="set"><query xmlns="jabber:iq:roster"><item jid="a@b"><|')[0] == "group"


def test_attributes_not_yet_written_with_their_quotes():
    found = at_bar('<iq type="set"><query xmlns="jabber:iq:roster"><item jid="a@b" |')
    assert [candidate.label for candidate in found.candidates] == ["approved", "ask", "name", "subscription"]
    assert found.candidates[0].insert == 'approved=""' and found.candidates[0].caret_back == 1


def test_values_and_namespaces_close_their_quote_or_step_over_it():
    found = at_bar('<iq type="g|"')
    assert [candidate.insert for candidate in found.candidates] == ['get"']
    assert (found.start, found.end) == (10, 12), "the typed g and the closing quote are replaced"
    assert inserts('<iq type="get"><query xmlns="jabber:iq:rost|') == ['jabber:iq:roster"']
    assert inserts("<iq type='r|") == ["result'", "error'"], "single quotes too; then those containing r"


def test_namespaces_offer_those_with_an_element_of_that_name_first():
    namespaces = inserts('<iq type="get"><ping xmlns="|')
    assert namespaces[0] == 'urn:xmpp:ping"'


def test_fixed_texts_and_the_closing_tag():
    assert inserts("<presence><show>|") == ["away", "chat", "dnd", "xa"]
    assert inserts("<presence><show>d|") == ["dnd"]
    assert inserts('<iq type="get"><query xmlns="jabber:iq:version"></|') == ["query>"]


def test_nothing_where_nothing_is_fixed_or_already_typed_in_full():
    assert at_bar("<message><body>hello |") is None
    assert at_bar('<iq type="get|"') is None
    assert at_bar('<iq type="get"><query xmlns="urn:example:mine"><|') is None


def test_a_namespace_declared_on_an_ancestor_applies_to_its_descendants():
    text = '<iq type="set"><pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="n"><|'
    assert "item" in inserts(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="<>/=\"' abciqxmlns:-", max_size=60), st.data())
def test_any_half_typed_text_gives_candidates_or_none_never_an_error(text, data):
    cursor = data.draw(st.integers(0, len(text)))
    found = complete(text, cursor)
    if found is not None:
        assert found.candidates and 0 <= found.start <= cursor <= found.end <= len(text)
