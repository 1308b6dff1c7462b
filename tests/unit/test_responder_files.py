"""Responder files (TOML), the match kinds and error replies, checked before anything runs."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from slixmpp import Iq

from iqconsole.core.responder_files import load_responders, save_responders
from iqconsole.core.responder_match import MatchKind, PayloadNames, ResponderError, check_mask, check_xpath
from iqconsole.core.responder_reply import request_value
from iqconsole.core.responders import Responder, ResponderSet

FULL_FILE = '''\
unmatched = "item-not-found"

[payloads]
files_custom = "{urn:example:files}query"

[[responder]]
name = "pong"
match = "iq@type=get/ping"

[[responder]]
name = "version"
match = "iq@type=get/software_version"
reply = """<query xmlns="jabber:iq:version"><name>${request:@id}</name></query>"""
delay_ms = 250

[[responder]]
name = "deny"
xpath = "iq[@type='set']/{urn:example:files}query"
error = "policy-violation"
error_text = "no"

[[responder]]
name = "mute"
mask = "<iq type='get'><query xmlns='jabber:iq:last'/></iq>"
silent = true
enabled = false
'''


def test_a_full_file_loads_in_order_and_saves_back_the_same(tmp_path):
    path = tmp_path / "set.toml"
    path.write_text(FULL_FILE)
    responders = load_responders(path)
    assert [responder.name for responder in responders] == ["pong", "version", "deny", "mute"]
    assert responders.unmatched == "item-not-found"
    deny, mute = responders.get("deny"), responders.get("mute")
    assert (
        deny.match_kind is MatchKind.XPATH
        and deny.error_type == "modify"
        and deny.reply_kind == "error policy-violation"
    )
    assert mute.match_kind is MatchKind.MASK and mute.silent and not mute.enabled and mute.reply_kind == "no reply"
    assert responders.get("version").delay_ms == 250

    saved = save_responders(responders, tmp_path / "copy.toml")
    again = load_responders(saved)
    assert [
        (r.name, r.match, r.match_kind, r.reply, r.error, r.error_type, r.error_text, r.delay_ms, r.silent, r.enabled)
        for r in again
    ] == [
        (r.name, r.match, r.match_kind, r.reply, r.error, r.error_type, r.error_text, r.delay_ms, r.silent, r.enabled)
        for r in responders
    ]
    assert again.payloads == {"files_custom": "{urn:example:files}query"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[responder]]\nname = 'a'\n", ["responder 'a': no match given", "exactly one of match"]),
        ("[[responder]]\nname = 'a'\nmatch = 'iq/ping'\nxpath = 'iq'\n", ["exactly one"]),
        ("[[responder]]\nname = 'a'\nmatch = 'iq/nope'\n", ["responder 'a'.match", "unknown payload 'nope'", "ping"]),
        (
            "[[responder]]\nname = 'a'\nmatch = 'iq/ping'\nerror = 'nonsense'\n",
            ["unknown error condition", "policy-violation"],
        ),
        ("[[responder]]\nname = 'a'\nmatch = 'iq/ping'\ndelay_ms = 'soon'\n", ["delay_ms: soon is not a whole number"]),
        ("[[responder]]\nname = 'a'\nmatch = 'iq/ping'\ndelay_ms = -5\n", ["delay_ms: -5 is out of range", "0 to"]),
        ("[[responder]]\nname = 'a'\nmatch = 'iq/ping'\nreplay = 'x'\n", ["responder 'a'.replay: unknown key"]),
        (
            "[[responder]]\nname = 'a'\nmatch = 'iq/ping'\n[[responder]]\nname = 'a'\nmatch = 'iq/ping'\n",
            ["already exists"],
        ),
        ("unmatched = 'shrug'\n", ["unmatched", "shrug"]),
        ("colour = 'red'\n", ["colour: unknown key; allowed: unmatched, payloads, responder"]),
        ("[[responder\n", ["line 1"]),
    ],
)
def test_bad_files_say_where_and_what(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ResponderError) as caught:
        load_responders(path)
    message = str(caught.value)
    assert "bad.toml" in message
    for word in words:
        assert word in message


def test_a_non_utf8_file_is_a_clear_error(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(b"name = '\xe9'\n")
    with pytest.raises(ResponderError, match=r"latin\.toml"):
        load_responders(path)


@pytest.mark.parametrize("expression", ["/iq", "iq[@type=", "x:iq", ""])
def test_bad_xpaths_are_refused(expression):
    with pytest.raises(ResponderError, match="XPath"):
        check_xpath(expression)


@pytest.mark.parametrize("mask", ["<iq type='get'>", "<message/>", "<iq/><iq/>"])
def test_bad_masks_are_refused(mask):
    with pytest.raises(ResponderError, match="mask"):
        check_mask(mask)


@pytest.mark.parametrize(
    ("name", "element", "words"),
    [
        ("ping", "{urn:example:x}ping", "shadow"),
        ("my_ping", "{urn:xmpp:ping}ping", "built-in payload 'ping'"),
        ("bad name", "{urn:x}q", "letters"),
        ("units_nons", "query", "{namespace}local"),
    ],
)
def test_custom_payloads_cannot_shadow_built_ins(name, element, words):
    with pytest.raises(ResponderError, match=words.replace("{", r"\{").replace("}", r"\}")):
        PayloadNames().define(name, element)


def test_a_custom_payload_becomes_a_stanza_path_step_of_its_set():
    responders = ResponderSet()
    responders.define_payload("units_custom", "{urn:example:units}query")
    responders.define_payload("units_custom", "{urn:example:units}query")  # the same definition again is fine
    assert responders.add("c", "iq@type=get/units_custom").match_kind is MatchKind.STANZA_PATH
    with pytest.raises(ResponderError, match="already defined"):
        responders.define_payload("units_custom", "{urn:example:other}query")
    with pytest.raises(ResponderError, match="unknown payload 'units_custom'"):
        ResponderSet().add("c", "iq@type=get/units_custom")  # another set does not know the name


CUSTOM_SET = """\
[payloads]
custom = "{%s}query"

[[responder]]
name = "answer"
match = "iq@type=get/custom"
"""


def test_two_sets_may_give_one_payload_name_different_elements(tmp_path):
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    first.write_text(CUSTOM_SET % "urn:example:first")
    second.write_text(CUSTOM_SET % "urn:example:second")
    sets = {"first": load_responders(first), "second": load_responders(second)}
    for namespace in ("first", "second"):
        request = Iq(
            xml=ET.fromstring(
                f"<iq xmlns='jabber:client' type='get' id='q'><query xmlns='urn:example:{namespace}'/></iq>"
            )
        )
        answered = {name for name, responders in sets.items() if responders.answer(request).responder is not None}
        assert answered == {namespace}, f"only the set that defines {namespace} answers it"


def test_request_values_read_attributes_and_text_in_any_namespace():
    request = ET.fromstring(
        "<iq xmlns='jabber:client' id='r1' type='get'><query xmlns='urn:x' node='n'><item>text</item></query></iq>"
    )
    assert request_value(request, "@id") == "r1"
    assert request_value(request, "query/@node") == "n"
    assert request_value(request, "query/item") == "text"
    assert request_value(request, "query/missing") == ""


def test_order_duplicate_and_replace():
    responders = ResponderSet()
    responders.add("a", "iq/ping")
    responders.add("b", "iq/ping", error="conflict")
    copy = responders.duplicate("a")
    assert copy.name == "a-2" and [r.name for r in responders] == ["a", "a-2", "b"]
    responders.move("b", -5)
    assert [r.name for r in responders] == ["b", "a", "a-2"]
    responders.replace("a", Responder("renamed", "iq/software_version"))
    assert [r.name for r in responders] == ["b", "renamed", "a-2"]
    with pytest.raises(ResponderError, match="already exists"):
        responders.replace("renamed", Responder("b", "iq/ping"))
