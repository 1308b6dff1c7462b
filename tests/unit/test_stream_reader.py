"""StreamReader (one stanza at a time, within limits), stream errors and redirects, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iqconsole.core.client import _SLIXMPP_ESCAPE, escape_text
from iqconsole.core.stream_errors import Redirect, parse_redirect, read_stream_error
from iqconsole.core.stream_reader import Limits, SkippedStanza, StreamReader, StreamRefused

HEADER = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    b"xmlns:stream='http://etherx.jabber.org/streams' id='s1' xml:lang='en'>"
)


class Sink:
    def __init__(self) -> None:
        self.root: ET.Element | None = None
        self.stanzas: list[tuple[ET.Element, int]] = []
        self.skipped: list[SkippedStanza] = []
        self.closed = False

    def stream_opened(self, root: ET.Element) -> None:
        self.root = root

    def stanza_received(self, element: ET.Element, size: int) -> None:
        self.stanzas.append((element, size))

    def stanza_skipped(self, skipped: SkippedStanza) -> None:
        self.skipped.append(skipped)

    def stream_closed(self) -> None:
        self.closed = True


def read(data: bytes, limits: Limits | None = None, piece: int | None = None) -> Sink:
    sink = Sink()
    reader = StreamReader(sink, limits)
    step = piece or len(data) or 1
    for start in range(0, len(data), step):
        reader.feed(data[start : start + step])
    return sink


MESSAGE = b"<message id='m1' from='a@b/c' xml:lang='de'><body>hi &amp; bye</body><x xmlns='urn:x'/></message>"
EMPTY = b"<iq type='result' id='i1'/>"


@pytest.mark.parametrize("piece", [None, 1, 7])
def test_stanzas_come_whole_whatever_the_reads_and_measured(piece):
    sink = read(HEADER + MESSAGE + b" \n " + EMPTY + b"</stream:stream>", piece=piece)
    assert sink.root is not None and sink.root.tag == "{http://etherx.jabber.org/streams}stream"
    assert sink.root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    (message, message_size), (iq, iq_size) = sink.stanzas
    if piece is None:
        assert (message_size, iq_size) == (len(MESSAGE), len(EMPTY))
    else:  # a tag split between two reads is counted up to where it starts
        assert 0 <= len(MESSAGE) - message_size <= len("</message>") and 0 <= len(EMPTY) - iq_size < len(EMPTY)
    assert message.tag == "{jabber:client}message" and message.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    assert message.find("{jabber:client}body").text == "hi & bye"
    assert message.find("{urn:x}x") is not None
    assert iq.attrib == {"type": "result", "id": "i1"}
    assert sink.closed


def test_a_stanza_is_measured_to_its_end_tag_even_when_its_text_ends_like_an_empty_tag():
    """Only a stanza that is one empty-element tag ends where expat reports its end."""
    text_ending_like_a_tag = b"<message id='t'>a/></message>"
    empty_with_child_tag_last = b"<iq id='c' type='get'><ping xmlns='urn:xmpp:ping'/></iq>"
    sink = read(HEADER + text_ending_like_a_tag + empty_with_child_tag_last + EMPTY + b"</stream:stream>")
    assert [size for _element, size in sink.stanzas] == [
        len(text_ending_like_a_tag),
        len(empty_with_child_tag_last),
        len(EMPTY),
    ]


def test_a_stanza_nested_too_deep_is_skipped_and_the_next_one_read():
    deep = b"<message id='d' from='x@y'>" + b"<a>" * 6 + b"</a>" * 6 + b"</message>"
    sink = read(HEADER + deep + EMPTY, Limits(max_depth=5))
    assert sink.skipped == [SkippedStanza("message", len(deep), "elements nested more than 5 levels deep", "d", "x@y")]
    assert [element.get("id") for element, _size in sink.stanzas] == ["i1"]


def test_exactly_at_the_depth_limit_is_kept():
    stanza = b"<message>" + b"<a>" * 4 + b"</a>" * 4 + b"</message>"
    assert len(read(HEADER + stanza, Limits(max_depth=5)).stanzas) == 1


@pytest.mark.parametrize("piece", [None, 100])
def test_a_stanza_over_the_size_limit_is_skipped(piece):
    big = b"<message id='big'><body>" + b"x" * 5000 + b"</body></message>"
    fits = b"<message id='fits'><body>" + b"x" * 900 + b"</body></message>"
    sink = read(HEADER + big + fits, Limits(max_stanza_bytes=1000), piece=piece)
    assert [(s.stanza_id, s.size, s.reason) for s in sink.skipped] == [("big", len(big), "larger than 1,000 bytes")]
    assert [element.get("id") for element, _size in sink.stanzas] == ["fits"]


def test_a_huge_stanza_of_elements_is_skipped_without_building_it():
    children = b"<message id='many'>" + b"<c/>" * 200_000 + b"</message>"
    sink = read(HEADER + children + EMPTY, Limits(max_stanza_bytes=10_000), piece=8192)
    assert sink.skipped[0].size == len(children) and len(sink.stanzas) == 1


@pytest.mark.parametrize(
    ("data", "condition", "said"),
    [
        (b"<!DOCTYPE s [<!ENTITY a 'b'>]>" + HEADER, "restricted-xml", "document type declaration"),
        (HEADER + b"<message><body>\xff</body></message>", "not-well-formed", "(invalid token) at line 1, column"),
        (HEADER + b"<message><body>&a;</body></message>", "not-well-formed", "undefined entity"),
        (HEADER + b"<message a='" + b"x" * 70_000, "policy-violation", "a single tag or comment larger than"),
        (HEADER + b"<!--" + b"x" * 70_000, "policy-violation", "a single tag or comment larger than"),
    ],
    ids=["dtd", "invalid-utf8", "undefined-entity", "huge-attribute", "huge-comment"],
)
def test_what_cannot_be_read_is_refused_with_an_rfc_6120_condition(data, condition, said):
    with pytest.raises(StreamRefused) as refused:
        read(data, Limits(max_stanza_bytes=50_000))
    assert refused.value.condition == condition and said in refused.value.text


def test_the_error_quotes_the_bytes_around_it_escaped():
    with pytest.raises(StreamRefused, match=r"near b\".*<body>\\x1b\[2J</body>"):
        read(HEADER + b"<message><body>\x1b[2J</body></message>")


def test_after_stop_nothing_more_is_read_not_even_the_rest_of_the_read():
    sink = Sink()
    reader = StreamReader(sink)

    class Stopper(Sink):
        def stanza_received(self, element: ET.Element, size: int) -> None:
            sink.stanzas.append((element, size))
            reader.stop()

    reader.sink = Stopper()
    reader.feed(HEADER + b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + EMPTY)
    reader.feed(EMPTY)
    assert len(sink.stanzas) == 1


def test_a_stanza_being_received_is_measured():
    reader = StreamReader(Sink())
    reader.feed(HEADER + b"<message><body>half")
    assert (reader.partial_tag, reader.partial) == ("message", len(b"<message><body>half"))


def test_limits_must_be_positive():
    with pytest.raises(ValueError):
        Limits(max_depth=0)


# -- stream errors and redirects ------------------------------------------------------------

STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"


def stream_error(inner: str) -> ET.Element:
    return ET.fromstring(f"<error xmlns='http://etherx.jabber.org/streams'>{inner}</error>")


def test_a_condition_rfc_6120_does_not_define_is_named_as_sent():
    report = read_stream_error(stream_error(f"<my-own xmlns='{STREAMS}'/><text xmlns='{STREAMS}'>  a \n b </text>"))
    assert report.describe() == "The server ended the stream: my-own (not an RFC 6120 condition) (a b)"


def test_an_application_condition_is_shown_too():
    report = read_stream_error(stream_error(f"<conflict xmlns='{STREAMS}'/><extra xmlns='urn:app'/>"))
    assert report.describe() == "The server ended the stream: conflict + {urn:app}extra"


@pytest.mark.parametrize(
    ("value", "redirect"),
    [
        ("example.org", Redirect("example.org", 5222)),
        (" example.org:5223 ", Redirect("example.org", 5223)),
        ("[2001:db8::1]", Redirect("2001:db8::1", 5222)),
        ("[::1]:5999", Redirect("::1", 5999)),
    ],
)
def test_redirect_addresses(value, redirect):
    assert parse_redirect(value) == redirect


@pytest.mark.parametrize("value", ["", "a b", "host:0", "host:65536", "host:x", "[zz]", "[::1]x", "-bad"])
def test_unusable_redirect_addresses_are_refused(value):
    with pytest.raises(ValueError):
        parse_redirect(value)


def test_redirect_is_shown_in_brackets_for_ipv6():
    assert str(Redirect("::1", 5999)) == "[::1]:5999" and str(Redirect("example.org")) == "example.org:5222"


@given(st.text())
def test_fast_escaping_gives_what_slixmpp_gives(text):
    assert escape_text(text) == _SLIXMPP_ESCAPE(text, False)
