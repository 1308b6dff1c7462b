"""Secrets never reach the traffic log: SASL, SASL2, FAST, in-band registration, handshakes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iqconsole.core.redact import REDACTED, redact

SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
SASL2 = "urn:xmpp:sasl:2"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"

# Each template has exactly one secret position, marked {secret}.
SECRET_POSITIONS = {
    "sasl-plain-auth": f'<auth xmlns="{SASL}" mechanism="PLAIN">{{secret}}</auth>',
    "sasl-auth-single-quotes": f"<auth xmlns='{SASL}' mechanism='SCRAM-SHA-1'>{{secret}}</auth>",
    "scram-response": f'<response xmlns="{SASL}">{{secret}}</response>',
    "scram-challenge": f'<challenge xmlns="{SASL}">{{secret}}</challenge>',
    "scram-success": f'<success xmlns="{SASL}">{{secret}}</success>',
    "sasl2-initial-response": (
        f'<authenticate xmlns="{SASL2}" mechanism="SCRAM-SHA-256">'
        "<initial-response>{secret}</initial-response>"
        '<user-agent id="d4565fa7-4d72-4749-b3d3-740edbf87770"><software>iqconsole</software></user-agent>'
        "</authenticate>"
    ),
    "sasl2-challenge": f'<challenge xmlns="{SASL2}">{{secret}}</challenge>',
    "sasl2-response": f'<response xmlns="{SASL2}">{{secret}}</response>',
    "sasl2-success-additional-data": (
        f'<success xmlns="{SASL2}"><additional-data>{{secret}}</additional-data>'
        "<authorization-identifier>juliet@example.org/balcony</authorization-identifier></success>"
    ),
    "register-password": (
        '<iq type="set" id="reg2"><query xmlns="jabber:iq:register">'
        "<username>bill</username><password>{secret}</password><email>bard@shakespeare.lit</email>"
        "</query></iq>"
    ),
    "component-handshake": '<handshake xmlns="jabber:component:accept">{secret}</handshake>',
    "upload-slot-authorization": (
        '<iq type="result" id="slot1"><slot xmlns="urn:xmpp:http:upload:0">'
        '<put url="https://upload.example.com/f/x.jpg"><header name="Authorization">{secret}</header>'
        '<header name="Expires">Tue, 29 Feb 2028 00:00:00 GMT</header></put>'
        '<get url="https://download.example.com/f/x.jpg"/></slot></iq>'
    ),
    "upload-slot-cookie": (
        "<iq type='result' id='slot2'><slot xmlns='urn:xmpp:http:upload:0'><put url='https://u.example/x'>"
        "<header name='cookie'>{secret}</header></put></slot></iq>"
    ),
    "fast-token-attribute": (
        f'<success xmlns="{SASL2}"><token xmlns="urn:xmpp:fast:0" expiry="2030-01-01T00:00:00Z" '
        'token="{secret}"/><authorization-identifier>juliet@example.org</authorization-identifier></success>'
    ),
}

BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
secrets = st.text(alphabet=BASE64, min_size=4, max_size=64)


def test_sasl_plain_credentials_are_hidden():
    # base64("\0tester\0secret") exactly as slixmpp writes it with send_raw.
    wire = f'<auth xmlns="{SASL}" mechanism="PLAIN">AHRlc3RlcgBzZWNyZXQ=</auth>'
    text, redacted = redact(wire)
    assert redacted is True
    assert "AHRlc3RlcgBzZWNyZXQ=" not in text
    assert text == f'<auth xmlns="{SASL}" mechanism="PLAIN">{REDACTED}</auth>'
    # The reader still sees that an auth with the PLAIN mechanism happened.
    element = ET.fromstring(text)
    assert element.tag == f"{{{SASL}}}auth" and element.get("mechanism") == "PLAIN"


@pytest.mark.parametrize("tag", ["response", "challenge", "success"])
def test_scram_exchange_text_is_hidden(tag):
    proof = "Yz1iaXdzLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdMSG8rVmdrN3F1ZVNYeU1QTnQ="
    text, redacted = redact(f"<{tag} xmlns='{SASL}'>{proof}</{tag}>")
    assert redacted is True
    assert proof not in text
    assert ET.fromstring(text).text == REDACTED


def test_sasl2_initial_response_is_hidden_and_the_rest_kept():
    wire = SECRET_POSITIONS["sasl2-initial-response"].format(secret="AGp1bGlldAByMG0zMG15cjBtMzA=")
    text, redacted = redact(wire)
    assert redacted is True
    assert "AGp1bGlldAByMG0zMG15cjBtMzA=" not in text
    root = ET.fromstring(text)
    assert root.find(f"{{{SASL2}}}initial-response").text == REDACTED
    assert root.find(f"{{{SASL2}}}user-agent/{{{SASL2}}}software").text == "iqconsole"
    assert root.get("mechanism") == "SCRAM-SHA-256"


def test_inband_registration_password_is_hidden_but_username_kept():
    wire = SECRET_POSITIONS["register-password"].format(secret="Calliope")
    text, redacted = redact(wire)
    assert redacted is True
    assert "Calliope" not in text
    query = ET.fromstring(text).find("{jabber:iq:register}query")
    assert query.find("{jabber:iq:register}password").text == REDACTED
    assert query.find("{jabber:iq:register}username").text == "bill"


def test_an_upload_slots_authorization_is_hidden_and_its_other_headers_kept():
    wire = SECRET_POSITIONS["upload-slot-authorization"].format(secret="Basic Base64String==")
    text, redacted = redact(wire)
    assert redacted is True
    assert "Base64String" not in text
    headers = {header.get("name"): header.text for header in ET.fromstring(text).iter("{urn:xmpp:http:upload:0}header")}
    assert headers == {"Authorization": REDACTED, "Expires": "Tue, 29 Feb 2028 00:00:00 GMT"}


def test_component_handshake_is_hidden():
    digest = "aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e"
    text, redacted = redact(f"<handshake xmlns='jabber:component:accept'>{digest}</handshake>")
    assert redacted is True
    assert digest not in text
    assert ET.fromstring(text).text == REDACTED


def test_fast_token_attribute_is_hidden():
    token = "WXZzciBwYmFmdmZnZiBqdmd1IGp2eHZjcnFuLyBhaXEgcmFx"
    text, redacted = redact(SECRET_POSITIONS["fast-token-attribute"].format(secret=token))
    assert redacted is True
    assert token not in text
    element = ET.fromstring(text).find("{urn:xmpp:fast:0}token")
    assert element.get("token") == REDACTED
    assert element.get("expiry") == "2030-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "xml",
    [
        "<iq type='get' id='a1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
        '<message to="juliet@example.org" type="chat"><body>my password is hunter2</body></message>',
        "<presence><status>response challenge success auth</status></presence>",
        # SASL elements without secret text: the mechanism list and an empty success.
        f"<features xmlns='http://etherx.jabber.org/streams'><mechanisms xmlns='{SASL}'>"
        "<mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms></features>",
        f'<success xmlns="{SASL}"/>',
        f'<failure xmlns="{SASL}"><not-authorized/><text xml:lang="en">Wrong password</text></failure>',
        # A registration form request carries no secret yet.
        '<iq type="result" id="reg1"><query xmlns="jabber:iq:register">'
        "<instructions>Choose a username and password</instructions><username/><password/></query></iq>",
    ],
)
def test_ordinary_traffic_is_unchanged_and_not_reported_as_redacted(xml):
    assert redact(xml) == (xml, False)


def test_password_in_another_namespace_is_left_alone():
    xml = (
        "<iq type='set' id='s1'><query xmlns='urn:example:settings'>"
        "<password>not-a-credential-here</password></query></iq>"
    )
    assert redact(xml) == (xml, False)


def test_redacted_flag_reports_only_real_replacements():
    plain = f'<auth xmlns="{SASL}" mechanism="PLAIN">AGFsaWNlAHNlY3JldA==</auth>'
    once, first = redact(plain)
    twice, second = redact(once)
    assert first is True
    assert twice == once
    assert second is False


def test_registration_password_in_a_data_form_is_hidden():
    xml = (
        '<iq type="set" id="reg3"><query xmlns="jabber:iq:register">'
        '<x xmlns="jabber:x:data" type="submit">'
        '<field type="hidden" var="FORM_TYPE"><value>jabber:iq:register</value></field>'
        '<field type="text-single" var="username"><value>juliet</value></field>'
        '<field type="text-private" var="password"><value>R0m30myR0m30</value></field>'
        "</x></query></iq>"
    )
    text, redacted = redact(xml)
    assert "R0m30myR0m30" not in text
    assert redacted is True


# -- properties ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(position=st.sampled_from(sorted(SECRET_POSITIONS)), secret=secrets)
def test_secret_never_appears_and_xml_stays_well_formed(position, secret):
    template = SECRET_POSITIONS[position]
    skeleton = template.format(secret=" ")
    # A secret that also happens to be part of the surrounding markup (e.g. "PLAIN") or of the
    # placeholder itself would appear in the output legitimately.
    assume(secret not in skeleton and secret not in REDACTED)
    wire = template.format(secret=secret)
    ET.fromstring(wire)  # the input is well-formed

    text, redacted = redact(wire)

    assert secret not in text
    assert redacted is True
    assert text == template.format(secret=REDACTED)
    ET.fromstring(text)


@settings(max_examples=40, deadline=None)
@given(
    positions=st.lists(st.sampled_from(sorted(SECRET_POSITIONS)), min_size=1, max_size=4),
    secret=secrets,
)
def test_several_secret_elements_in_one_chunk_are_all_hidden(positions, secret):
    # send_raw and data_received see chunks, not single stanzas.
    templates = [SECRET_POSITIONS[position] for position in positions]
    skeleton = "".join(template.format(secret=" ") for template in templates)
    assume(secret not in skeleton and secret not in REDACTED)
    chunk = "".join(template.format(secret=secret) for template in templates)

    text, redacted = redact(chunk)

    assert secret not in text
    assert redacted is True
    ET.fromstring(f"<chunk>{text}</chunk>")


@settings(max_examples=60, deadline=None)
@given(position=st.sampled_from(sorted(SECRET_POSITIONS)), secret=secrets)
def test_redaction_is_idempotent(position, secret):
    once, _ = redact(SECRET_POSITIONS[position].format(secret=secret))
    assert redact(once) == (once, False)


@settings(max_examples=60, deadline=None)
@given(body=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=80), stanza_id=secrets)
def test_ordinary_messages_are_never_altered(body, stanza_id):
    message = ET.Element("message", {"to": "juliet@example.org", "id": stanza_id})
    ET.SubElement(message, "body").text = body
    xml = ET.tostring(message, encoding="unicode")
    assert redact(xml) == (xml, False)
