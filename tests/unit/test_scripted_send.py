"""The parts of `iqconsole send` and of component mode that need no server."""

from __future__ import annotations

import pytest

from iqconsole.core.headless import EXIT_DISCONNECTED, EXIT_FAILED, EXIT_OK, EXIT_TIMED_OUT
from iqconsole.core.protocol import Kind, kind_of
from iqconsole.core.scripted_send import Expectation, worst
from iqconsole.core.stanza_xpath import XPathError
from iqconsole.core.validation import Context, check

RESULT = "<iq type='result' id='1' from='localhost'><query xmlns='jabber:iq:version'><name>Prosody</name></query></iq>"


def test_the_exit_code_is_the_gravest_outcome():
    assert worst(EXIT_OK, EXIT_FAILED) == EXIT_FAILED
    assert worst(EXIT_FAILED, EXIT_TIMED_OUT, EXIT_OK) == EXIT_TIMED_OUT
    assert worst(EXIT_TIMED_OUT, EXIT_DISCONNECTED, EXIT_FAILED) == EXIT_DISCONNECTED


@pytest.mark.parametrize(
    ("xpath", "holds"),
    [
        ("iq[@type='result']", True),
        ("iq[@type='error']", False),
        ("iq/{jabber:iq:version}query/{jabber:iq:version}name", True),
        ("iq/{jabber:iq:version}query[{jabber:iq:version}name='Prosody']", True),
        ("iq/{jabber:iq:version}query[{jabber:iq:version}name='ejabberd']", False),
        (".//{jabber:iq:version}name", True),
        ("iq/{urn:xmpp:ping}ping", False),
    ],
)
def test_an_expectation_holds_when_it_finds_an_element_in_the_reply(xpath, holds):
    assert Expectation(xpath).holds_for(RESULT) is holds


def test_a_broken_expectation_is_refused_up_front():
    with pytest.raises(XPathError, match="bad XPath"):
        Expectation("iq[@type=")


def test_a_components_handshake_is_logged_as_authentication():
    assert kind_of("handshake", "jabber:component:accept") is Kind.SASL
    assert kind_of("handshake", "") is Kind.SASL


def test_a_component_may_send_from_any_jid_at_its_domain_and_is_warned_about_others():
    context = Context("svc.example.org")
    ours = check(
        "<iq type='get' from='bot@svc.example.org/x' to='a@example.org'><ping xmlns='urn:xmpp:ping'/></iq>", context
    )
    assert ours.ok and not ours.warnings
    theirs = check(
        "<iq type='get' from='bot@example.org' to='a@example.org'><ping xmlns='urn:xmpp:ping'/></iq>", context
    )
    assert theirs.ok and "not at this component's domain (svc.example.org)" in str(theirs.warnings[0])
