"""The traffic filter language: each term, combinations, precedence, errors with positions, search."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqconsole.core.traffic import Direction, Kind, TrafficEntry
from iqconsole.core.traffic_filter import FIELDS, FilterError, compile_filter, find_next

IN, OUT = Direction.IN, Direction.OUT

PING = TrafficEntry(
    0,
    OUT,
    1.0,
    1_700_000_001.0,
    Kind.IQ,
    "<iq type='get' id='p1' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>",
    "iq",
    "p1",
    "",
    "example.org",
    "get",
    "urn:xmpp:ping",
)
PONG = TrafficEntry(
    1,
    IN,
    1.2,
    1_700_000_001.2,
    Kind.IQ,
    "<iq type='result' id='p1' from='example.org' to='alice@example.org/console'/>",
    "iq",
    "p1",
    "example.org",
    "alice@example.org/console",
    "result",
)
VERSION = TrafficEntry(
    2,
    IN,
    2.0,
    1_700_000_002.0,
    Kind.IQ,
    "<iq type='get' id='v1' from='bob@example.org/Phone' to='alice@example.org/console'>"
    "<query xmlns='jabber:iq:version'/></iq>",
    "iq",
    "v1",
    "bob@example.org/Phone",
    "alice@example.org/console",
    "get",
    "jabber:iq:version",
    responder="Version reply",
)
CHAT = TrafficEntry(
    3,
    IN,
    3.0,
    1_700_000_003.0,
    Kind.MESSAGE,
    "<message type='chat' from='bob@example.org/Phone'><body>Hello, World (and you)</body></message>",
    "message",
    "",
    "bob@example.org/Phone",
    "",
    "chat",
)
PRESENCE = TrafficEntry(
    4,
    OUT,
    4.0,
    1_700_000_004.0,
    Kind.PRESENCE,
    "<presence/>",
    "presence",
)
HEADER = TrafficEntry(
    5,
    IN,
    5.0,
    1_700_000_005.0,
    Kind.STREAM,
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.org'>",
    "stream",
    "",
    "example.org",
)
DISCO = TrafficEntry(
    6,
    IN,
    6.0,
    1_700_000_006.0,
    Kind.IQ,
    "<iq type='get' id='d1' from='carol@chat.example.org/x'>"
    "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    "iq",
    "d1",
    "carol@chat.example.org/x",
    "",
    "get",
    "http://jabber.org/protocol/disco#info",
)
AUTH = TrafficEntry(
    7,
    OUT,
    7.0,
    1_700_000_007.0,
    Kind.SASL,
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>[redacted]</auth>",
    "auth",
    namespace="urn:ietf:params:xml:ns:xmpp-sasl",
    redacted=True,
)
KEEPALIVE = TrafficEntry(8, OUT, 8.0, 1_700_000_008.0, Kind.KEEPALIVE, " ")

ENTRIES = [PING, PONG, VERSION, CHAT, PRESENCE, HEADER, DISCO, AUTH, KEEPALIVE]


def selected(expression: str) -> list[int]:
    traffic_filter = compile_filter(expression)
    return [entry.seq for entry in ENTRIES if traffic_filter.matches(entry)]


def error_of(expression: str) -> FilterError:
    with pytest.raises(FilterError) as caught:
        compile_filter(expression)
    return caught.value


# -- terms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("expression", ["", "   ", "\t\n"])
def test_an_empty_filter_matches_everything(expression):
    assert selected(expression) == [entry.seq for entry in ENTRIES]
    assert compile_filter(expression).describe() == ""


def test_direction():
    assert selected("dir:out") == [0, 4, 7, 8]
    assert selected("dir:IN") == [1, 2, 3, 5, 6]


def test_kind():
    assert selected("kind:iq") == [0, 1, 2, 6]
    assert selected("kind:message") == [3]
    assert selected("kind:stream") == [5]
    assert selected("kind:sasl") == [7]
    assert selected("kind:keepalive") == [8]


def test_type_is_exact_and_ignores_case():
    assert selected("type:get") == [0, 2, 6]
    assert selected("type:GET") == [0, 2, 6]
    assert selected("type:ge") == []


def test_id_is_exact():
    assert selected("id:p1") == [0, 1]
    assert selected("id:p") == []
    assert selected("id:P1") == []


def test_a_bare_jid_matches_every_resource_and_a_full_jid_only_itself():
    assert selected("jid:bob@example.org") == [2, 3]
    assert selected("jid:bob@example.org/Phone") == [2, 3]
    assert selected("jid:bob@example.org/tablet") == []
    assert selected("jid:Alice@Example.org") == [1, 2]


def test_a_domain_matches_the_domain_alone_not_its_users():
    assert selected("jid:example.org") == [0, 1, 5]
    assert selected("jid:chat.example.org") == []


def test_from_and_to_look_at_one_side():
    assert selected("from:example.org") == [1, 5]
    assert selected("to:example.org") == [0]
    assert selected("to:alice@example.org") == [1, 2]


def test_namespace_is_a_substring_ignoring_case():
    assert selected("ns:disco") == [6]
    assert selected("ns:jabber:iq:version") == [2]
    assert selected("ns:URN:XMPP") == [0]


def test_responder_is_a_substring_of_its_name():
    assert selected("responder:version") == [2]
    assert selected("responder:'Version reply'") == [2]


def test_a_star_means_any_value_at_all():
    assert selected("responder:*") == [2]
    assert selected("id:*") == [0, 1, 2, 6]
    assert selected("to:*") == [0, 1, 2]
    assert selected("jid:*") == [0, 1, 2, 3, 5, 6]


def test_free_text_is_a_case_insensitive_substring_of_the_xml():
    assert selected("hello") == [3]
    assert selected("'hello, world'") == [3]
    assert selected('"(and you)"') == [3]
    assert selected('"urn:xmpp:ping"') == [0]


def test_redacted_secrets_are_not_searchable_but_the_marker_is():
    assert selected("redacted") == [7]


def test_quoted_values_may_hold_the_other_quote_and_escaped_quotes():
    assert selected("xpath:\"iq[@type='get']\"") == [0, 2, 6]
    assert selected(r'"World \(and"') == [3]  # a backslash takes the next character as it is
    assert selected(r'"World (\"and"') == []
    assert selected(r"'hello, world (and you)'") == [3]


def test_xpath_starts_above_the_stanza_with_jabber_client_as_default_namespace():
    assert selected("xpath:iq[@type='get']/{urn:xmpp:ping}ping") == [0]
    assert selected("xpath:message/body") == [3]
    assert selected("xpath:{jabber:client}presence") == [4]
    assert selected("xpath:iq/{*}query") == [2, 6]
    assert selected("xpath:*[@id='p1']") == [0, 1]


def test_xpath_passes_over_what_is_not_an_element():
    assert selected("xpath:{*}stream") == []
    assert selected("xpath:*") == [0, 1, 2, 3, 4, 6, 7]


# -- combinations --------------------------------------------------------------------------


def test_juxtaposition_means_and():
    assert selected("kind:iq type:get") == [0, 2, 6]
    assert selected("kind:iq and type:get dir:in") == [2, 6]


def test_or_and_not():
    assert selected("kind:message or kind:presence") == [3, 4]
    assert selected("kind:iq -type:get") == [1]
    assert selected("kind:iq not type:get") == [1]
    assert selected("not not kind:iq") == selected("kind:iq")


def test_not_binds_tighter_than_and_which_binds_tighter_than_or():
    assert selected("kind:message or kind:iq type:result") == [1, 3]
    assert selected("(kind:message or kind:iq) type:result") == [1]
    assert selected("-kind:iq dir:in") == [3, 5]
    assert selected("-(kind:iq dir:in)") == [0, 3, 4, 5, 7, 8]
    assert selected("-kind:iq or type:get") == [0, 2, 3, 4, 5, 6, 7, 8]


def test_keywords_ignore_case_and_quoting_turns_them_into_text():
    assert selected("kind:iq AND NOT type:get OR kind:message") == [1, 3]
    assert selected('"and"') == [3]


def test_xpath_only_runs_on_entries_the_cheap_terms_let_through(monkeypatch):
    import iqconsole.core.traffic_filter as module

    parsed = []
    original = module.parse_stanzas

    def recording(xml: str) -> list[ET.Element]:
        parsed.append(xml)
        return original(xml)

    monkeypatch.setattr(module, "parse_stanzas", recording)
    traffic_filter = compile_filter("xpath:iq/{urn:xmpp:ping}ping id:p1")
    assert [entry.seq for entry in ENTRIES if traffic_filter.matches(entry)] == [0]
    assert parsed == [PING.xml, PONG.xml]


# -- errors --------------------------------------------------------------------------------


def test_an_unknown_field_lists_the_fields_and_suggests_quoting():
    error = error_of("kind:iq urn:xmpp:ping")
    assert error.position == 8
    assert "unknown field 'urn'" in error.message
    assert ", ".join(FIELDS) in error.message and "quote" in error.message


def test_an_unknown_kind_lists_the_kinds():
    error = error_of("kind:chat")
    assert error.position == 5
    assert "iq, message, presence, stream, sasl, sm, keepalive, other" in error.message


@pytest.mark.parametrize(
    ("expression", "position", "words"),
    [
        ("dir:up", 4, "dir:in or dir:out"),
        ("(kind:iq", 0, "never closed"),
        ("kind:iq)", 7, "without a matching '('"),
        ("a (b (c) d", 2, "never closed"),
        ("()", 1, "empty parentheses"),
        ("a and", 5, "after 'and'"),
        ("a or or b", 5, "after 'or'"),
        ("or a", 0, "before 'or'"),
        ("(and a)", 1, "before 'and'"),
        ("a not", 5, "after 'not'"),
        ("a -)", 2, "right after '-'"),
        ("- a", 0, "right after '-'"),
        ("(a -b or)", 8, "after 'or'"),
        ('"abc', 0, 'unclosed "'),
        ("id:'abc", 3, "unclosed '"),
        ('"a"b', 3, "after the closing quote"),
        ("id:", 3, "value after 'id:'"),
        ("id: x", 3, "value after 'id:'"),
        (":x", 0, "field name before ':'"),
        ('""', 0, "empty text"),
        ("xpath:iq[", 6, "bad XPath"),
        ("xpath:iq[text()='x']", 6, "quote an XPath"),
        ("xpath:/iq", 6, "not with '/'"),
        ("xpath:x:iq", 6, "prefix 'x'"),
        ("(" * 60 + "a" + ")" * 60, 50, "nested parentheses"),
    ],
)
def test_bad_expressions_say_where_and_what_was_expected(expression, position, words):
    error = error_of(expression)
    assert error.position == position
    assert words in error.message
    assert str(error).endswith(f"(at character {position + 1})")


# -- canonical form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "canonical"),
    [
        ("KIND:iq   and  type:get", "kind:iq type:get"),
        ("not a", "-a"),
        ("a or (b c)", "a or b c"),
        ("(a or b) c", "(a or b) c"),
        ("-(a or b)", "-(a or b)"),
        ("'hello world' \"x:y\" 'or' '-z'", '"hello world" "x:y" "or" "-z"'),
        ("id:'a \"b\"'", 'id:"a \\"b\\""'),
        ("xpath:\"iq[@type='get']\"", "xpath:\"iq[@type='get']\""),
    ],
)
def test_describe_gives_one_canonical_spelling(expression, canonical):
    assert compile_filter(expression).describe() == canonical
    assert compile_filter(canonical).describe() == canonical


# -- search --------------------------------------------------------------------------------


def test_find_next_forward_and_backward_from_a_start_that_counts():
    iq = compile_filter("kind:iq")
    entries = deque(ENTRIES)
    assert find_next(entries, iq, 0) == 0
    assert find_next(entries, iq, 3) == 6
    assert find_next(entries, iq, 7) is None
    assert find_next(entries, iq, 5, backwards=True) == 2
    assert find_next(entries, iq, 100, backwards=True) == 6
    assert find_next(entries, iq, -1) == 0
    assert find_next(entries, iq, -1, backwards=True) is None
    assert find_next([], iq, 0) is None


# -- fuzzing -------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "kind:iq",
        "type:get",
        "dir:in",
        "jid:example.org",
        "id:p1",
        "ns:disco",
        "responder:*",
        "xpath:iq",
        "hello",
        "'a b'",
        '"x:y"',
        "and",
        "or",
        "not",
        "-",
        "(",
        ")",
        ":",
        "'",
        '"',
        "\\",
        "xpath:iq[",
        "kind:",
        "foo:bar",
        " ",
        "AND",
        "-(",
        "*",
        "[",
        "]",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(_PIECES, max_size=12).map(" ".join), st.lists(_PIECES).map("".join)))
def test_the_parser_raises_nothing_but_filter_errors_inside_the_text(expression):
    try:
        traffic_filter = compile_filter(expression)
    except FilterError as error:
        assert 0 <= error.position <= len(expression)
        return
    for entry in ENTRIES:
        traffic_filter.matches(entry)


_TERMS = st.sampled_from(
    [
        "kind:iq",
        "kind:message",
        "type:get",
        "dir:in",
        "jid:example.org",
        "to:alice@example.org",
        "id:p1",
        "ns:disco",
        "responder:*",
        "hello",
        "'a b'",
        "xpath:\"iq[@type='get']\"",
    ]
)
_EXPRESSIONS = st.recursive(
    _TERMS,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" ", " and ", " or "]), inner).map("".join),
        inner.map(lambda text: f"-({text})"),
        inner.map(lambda text: f"not ({text})"),
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(_EXPRESSIONS)
def test_the_canonical_form_is_stable_and_selects_the_same_entries(expression):
    canonical = compile_filter(expression).describe()
    assert compile_filter(canonical).describe() == canonical
    assert selected(canonical) == selected(expression)
