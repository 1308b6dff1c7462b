"""What the user types in the editor: parsing, ids, namespaces, IQ rules, precise errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqconsole.core.stanza import StanzaError, error_condition, parse_stanzas, prepare, stanza_insertion
from iqconsole.core.traffic import Kind
from iqconsole.core.validation import Context, check

PING = "<ping xmlns='urn:xmpp:ping'/>"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def refusal(text: str) -> StanzaError:
    with pytest.raises(StanzaError) as caught:
        prepare(text)
    return caught.value


# -- ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"<iq type='get' to='localhost'>{PING}</iq>",
        "<message to='juliet@example.org'><body>hi</body></message>",
        "<presence/>",
    ],
)
def test_missing_id_is_filled_in(text):
    (outgoing,) = prepare(text)
    stanza_id = outgoing.element.get("id")
    assert stanza_id and stanza_id.strip()


def test_filled_ids_differ_between_stanzas():
    ids = {outgoing.element.get("id") for outgoing in prepare("<presence/><presence/><presence/>")}
    assert len(ids) == 3


@pytest.mark.parametrize(
    "text",
    [
        f"<iq type='get' id='mine-1'>{PING}</iq>",
        "<message id='mine-1'><body>hi</body></message>",
        "<presence id='mine-1'/>",
    ],
)
def test_existing_id_is_kept(text):
    (outgoing,) = prepare(text)
    assert outgoing.element.get("id") == "mine-1"


def test_non_stanza_elements_get_no_id():
    (outgoing,) = prepare("<r xmlns='urn:xmpp:sm:3'/>")
    assert outgoing.kind is Kind.SM
    assert outgoing.element.get("id") is None


# -- namespaces and several stanzas ---------------------------------------------------------


def test_unprefixed_elements_land_in_jabber_client():
    text = (
        "<iq type='error' id='e1' to='peer@example.org'>"
        f"<error type='cancel'><item-not-found xmlns='{STANZAS}'/></error></iq>"
    )
    (outgoing,) = prepare(text)
    assert outgoing.element.tag == "{jabber:client}iq"
    (error,) = list(outgoing.element)
    assert error.tag == "{jabber:client}error"
    assert error[0].tag == f"{{{STANZAS}}}item-not-found"
    assert outgoing.kind is Kind.IQ


def test_payload_keeps_its_own_namespace():
    (outgoing,) = prepare(f"<iq type='get'>{PING}</iq>")
    assert outgoing.element[0].tag == "{urn:xmpp:ping}ping"
    assert outgoing.is_request


def test_several_stanzas_in_one_text_in_order():
    text = (
        f"<iq type='get' id='one'>{PING}</iq>\n"
        "<message to='juliet@example.org' id='two'><body>hi</body></message>\n"
        "<presence id='three'/>\n"
    )
    prepared = prepare(text)
    assert [outgoing.element.get("id") for outgoing in prepared] == ["one", "two", "three"]
    assert [outgoing.kind for outgoing in prepared] == [Kind.IQ, Kind.MESSAGE, Kind.PRESENCE]
    assert [outgoing.is_request for outgoing in prepared] == [True, False, False]
    # The whitespace between stanzas is not carried along.
    assert all(outgoing.element.tail is None for outgoing in prepared)


def test_xml_declaration_is_allowed():
    (outgoing,) = prepare(f"<?xml version='1.0' encoding='UTF-8'?>\n<iq type='get' id='d'>{PING}</iq>")
    assert outgoing.element.get("id") == "d"


def test_xml_declaration_keeps_the_users_line_and_column():
    text = "<?xml version='1.0'?>\n<iq type='get'>\n<ping xmlns='urn:xmpp:ping'></pong>\n</iq>"
    error = refusal(text)
    assert (error.line, error.column) == (3, 31)  # the 'p' of </pong>
    assert "mismatched tag" in error.message


def test_xml_declaration_on_the_same_line_keeps_the_column():
    text = "<?xml version='1.0'?><iq type='get'><ping xmlns='urn:xmpp:ping'></pong></iq>"
    error = refusal(text)
    assert error.line == 1
    assert error.column is not None
    assert text[error.column - 1 :].startswith("pong>")


# -- malformed XML: line and column ---------------------------------------------------------


def test_mismatched_tag_on_line_3():
    text = "<iq type='get'>\n  <query xmlns='jabber:iq:version'>\n  </quer>\n</iq>"
    error = refusal(text)
    assert error.line == 3
    assert error.column == 5  # 1-based, at the name in </quer>
    assert text.splitlines()[2][error.column - 1 :].startswith("quer>")
    assert "mismatched tag" in error.message
    assert str(error).startswith("line 3, column 5: ")


def test_mismatched_tag_on_the_first_line_is_not_shifted_by_the_wrapper():
    text = f"<iq type='get'>{PING}</pong></iq>"
    error = refusal(text)
    assert error.line == 1
    assert error.column is not None
    assert text[error.column - 1 :].startswith("pong></iq>")


def test_unbound_prefix_points_at_the_element():
    text = "<iq type='get'>\n<foo:bar/></iq>"
    error = refusal(text)
    assert (error.line, error.column) == (2, 1)
    assert "unbound prefix" in error.message


def test_unclosed_element_at_the_end_is_reported_on_the_last_line():
    text = "<iq type='get'>\n  <query xmlns='jabber:iq:version'/>"
    error = refusal(text)
    assert error.line == 2
    assert "not closed" in error.message
    # At the end of the text, not beyond the line after it.
    assert error.column is not None
    assert error.column > len("  <query xmlns='jabber:iq:version'")


def test_unclosed_element_column_is_just_after_the_last_character():
    text = "<iq type='get'>\n  <query xmlns='jabber:iq:version'/>"
    error = refusal(text)
    last_line = text.splitlines()[-1]
    assert error.column == len(last_line) + 1


def test_text_before_the_first_element_is_refused_with_its_position():
    error = refusal(f"hello <iq type='get'>{PING}</iq>")
    assert "text outside any element" in error.message
    assert "hello" in error.message
    assert (error.line, error.column) == (1, 1)


def test_text_after_an_element_is_refused():
    error = refusal(f"<iq type='get'>{PING}</iq>\ntrailing words")
    assert "text after an element" in error.message
    assert "trailing words" in error.message


def test_text_before_the_first_element_on_a_later_line_points_at_it():
    error = refusal(f"\n\n  hello\n<iq type='get'>{PING}</iq>")
    assert (error.line, error.column) == (3, 3)


def test_text_after_an_element_has_a_position():
    error = refusal(f"<iq type='get'>{PING}</iq>\ntrailing words")
    assert (error.line, error.column) == (2, 1)


@pytest.mark.parametrize("text", ["", "   \n\t\n", "<?xml version='1.0'?>\n"])
def test_empty_editor_is_refused_with_a_hint(text):
    error = refusal(text)
    assert "empty" in error.message
    assert "<iq" in error.message  # tells the user what to write


def test_invalid_token_has_a_position_inside_the_text():
    text = "<message>\n<body>fish & chips</body></message>"
    error = refusal(text)
    assert error.line == 2
    assert error.column is not None
    assert 1 <= error.column <= len("<body>fish & chips</body></message>") + 1
    assert "not well-formed" in error.message


# -- IQ rules -------------------------------------------------------------------------------


def test_iq_without_type_is_refused():
    error = refusal(f"<iq to='localhost'>{PING}</iq>")
    assert "type" in error.message
    for allowed in ("get", "set", "result", "error"):
        assert allowed in error.message


def test_iq_with_an_invalid_type_is_refused():
    error = refusal(f"<iq type='fetch'>{PING}</iq>")
    assert "fetch" in error.message and "not a valid type" in error.message


@pytest.mark.parametrize(
    ("iq_type", "children", "count"),
    [("get", "", 0), ("get", PING + "<query xmlns='jabber:iq:version'/>", 2), ("set", "", 0)],
)
def test_request_must_carry_exactly_one_child(iq_type, children, count):
    error = refusal(f"<iq type='{iq_type}'>{children}</iq>")
    assert "exactly one child" in error.message
    assert f"not {count}" in error.message


def test_result_and_error_may_be_empty_or_carry_an_error():
    prepared = prepare(
        "<iq type='result' id='r1'/>"
        f"<iq type='error' id='r2'>{PING}<error type='cancel'><service-unavailable xmlns='{STANZAS}'/></error></iq>"
    )
    assert [outgoing.element.get("type") for outgoing in prepared] == ["result", "error"]
    assert not any(outgoing.is_request for outgoing in prepared)


def test_one_bad_stanza_refuses_the_whole_text():
    with pytest.raises(StanzaError):
        prepare(f"<iq type='get' id='ok'>{PING}</iq><iq type='get' id='bad'/>")


# -- error_condition ------------------------------------------------------------------------


def test_error_condition_policy_violation_with_text():
    xml = (
        "<iq type='error' id='1' from='localhost'><error type='modify'>"
        f"<policy-violation xmlns='{STANZAS}'/><text xmlns='{STANZAS}'>Too many requests</text>"
        "</error></iq>"
    )
    assert error_condition(xml) == "policy-violation (modify): Too many requests"


def test_error_condition_unknown_custom_condition_is_shown_as_is():
    xml = (
        "<iq xmlns='jabber:client' type='error' id='1'><error type='cancel'>"
        f"<my-very-own-condition xmlns='{STANZAS}'/></error></iq>"
    )
    assert error_condition(xml) == "my-very-own-condition (cancel)"


def test_error_condition_application_condition_does_not_hide_the_defined_one():
    xml = (
        "<iq type='error' id='1'><error type='cancel'>"
        f"<feature-not-implemented xmlns='{STANZAS}'/>"
        "<unsupported xmlns='http://jabber.org/protocol/pubsub#errors' feature='publish'/>"
        "</error></iq>"
    )
    assert error_condition(xml) == "feature-not-implemented (cancel)"


def test_error_condition_without_an_error_element():
    assert error_condition("<iq type='error' id='1'/>") == "no <error> element"


def test_error_condition_of_unreadable_xml():
    assert error_condition("<iq type='error'") == "unreadable error"


# -- property -------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "<iq",
        "<",
        ">",
        "/>",
        "</iq>",
        " type='get'",
        " type=",
        "'",
        '"',
        "=",
        "\n",
        "\r\n",
        "x",
        "&",
        "&amp;",
        "<?xml version='1.0'?>",
        PING,
        "<message>",
        "</message>",
        "<a:b",
        "xmlns:a='u'",
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
        "<!DOCTYPE iq>",
        "\x00",
        "\ufeff",
        "\ud83d",  # a lone surrogate: half of an emoji, as a paste or a --var may bring
        " ",
    ]
)


def test_a_lone_surrogate_is_refused_with_its_position_and_never_crashes():
    text = "<message to='bob@localhost'>\n  <body>smile \ud83d</body>\n</message>"
    error = refusal(text)
    assert (error.line, error.column) == (2, 15)
    assert "U+D83D is half of a character (a lone surrogate)" in error.message
    checked = check(text, Context())
    assert [(problem.line, problem.column) for problem in checked.errors] == [(2, 15)]
    assert stanza_insertion(text, 3, "<presence/>").text.strip() == "<presence/>", "inserting still works"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(FRAGMENTS, max_size=12).map("".join)))
def test_prepare_raises_nothing_but_stanza_error(text):
    try:
        prepared = prepare(text)
    except StanzaError as error:
        assert error.message
        if error.line is not None:
            assert 1 <= error.line <= text.count("\n") + 1 + text.count("\r")
            assert error.column is not None and error.column >= 1
        return
    for outgoing in prepared:
        assert isinstance(outgoing.element, ET.Element)
        if outgoing.kind in (Kind.IQ, Kind.MESSAGE, Kind.PRESENCE):
            assert outgoing.element.get("id")


# -- where a new stanza goes ------------------------------------------------------------------

NEW = "<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>"
TWO = "<iq type='get'>\n  <query xmlns='jabber:iq:version'/>\n</iq>\n\n<presence/>\n"


def inserted(text: str, cursor: int) -> tuple[str, int]:
    """The text after inserting NEW with the cursor at `cursor`, and where NEW starts."""
    insertion = stanza_insertion(text, cursor, NEW)
    return text[: insertion.offset] + insertion.text + text[insertion.offset :], insertion.stanza_start


@pytest.mark.parametrize("cursor", [1, 16, 22, 50, TWO.index("</iq>") + 2])
def test_a_new_stanza_goes_after_the_stanza_the_cursor_is_in(cursor):
    text, start = inserted(TWO, cursor)
    assert text == TWO.replace("</iq>\n", "</iq>\n" + NEW + "\n", 1)
    assert text[start:].startswith(NEW)


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [
        (0, NEW + "\n" + TWO),  # before the first stanza
        (TWO.index("\n\n") + 1, TWO.replace("\n\n", "\n" + NEW + "\n", 1)),  # on the blank line
        (TWO.index("<presence"), TWO.replace("<presence", NEW + "\n<presence")),  # at a stanza's start
        (len(TWO), TWO + NEW),  # after everything
    ],
)
def test_between_stanzas_a_new_stanza_goes_at_the_cursor_on_a_line_of_its_own(cursor, expected):
    assert inserted(TWO, cursor)[0] == expected


def test_stanzas_on_one_line_are_split_around_the_new_one():
    text = "<presence/><iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>"
    assert inserted(text, 14)[0] == "<presence/>" + "<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>\n" + NEW
    assert inserted(text, 11)[0] == "<presence/>\n" + NEW + "\n<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>"


def test_a_stanza_being_written_is_not_split():
    text = "<presence/>\n<iq type='get'>\n  <query xmlns='jabber:iq:version'/>\n"
    assert inserted(text, text.index("<query") + 3)[0] == text + NEW
    assert inserted(text, 3)[0] == "<presence/>\n" + NEW + "\n" + text.split("\n", 1)[1]


def test_offsets_count_characters_not_bytes():
    text = "<message><body>héllo → ✓</body></message>\n<presence/>"
    result, start = inserted(text, text.index("✓"))
    assert result == text.replace("</message>\n", "</message>\n" + NEW + "\n") and result[start:].startswith(NEW)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([NEW, "<presence/>", "<message><body>x</body></message>", "\n", " "]), max_size=6))
def test_a_new_stanza_never_lands_inside_another(parts):
    text = "".join(parts)
    for cursor in range(len(text) + 1):
        result, _start = inserted(text, cursor)
        if text.strip():
            assert len(parse_stanzas(result)) == len(parse_stanzas(text)) + 1, (text, cursor)
