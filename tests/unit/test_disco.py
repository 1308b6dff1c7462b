"""Reading service discovery replies (identities, features, info forms, items, result sets) and
asking for them; a template aimed at an entity."""

from __future__ import annotations

from dataclasses import replace

import pytest

from iqconsole.core.disco import (
    DISCO_INFO,
    DISCO_ITEMS,
    RSM,
    FormField,
    Identity,
    InfoForm,
    Item,
    disco_request,
    read_info,
    read_items,
)
from iqconsole.core.stanza import prepare
from iqconsole.core.substitution import substitute_some
from iqconsole.core.templates import parse_template

INFO = f"""<iq type='result' id='1' from='upload.example.org'><query xmlns='{DISCO_INFO}' node='n'>
<identity category='store' type='file' name='HTTP File Upload'/><identity category='component'/>
<feature var='urn:xmpp:http:upload:0'/><feature var='urn:xmpp:http:upload:0'/><feature/>
<x xmlns='jabber:x:data' type='result'>
  <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>
  <field var='max-file-size' label='Largest file'><value>1024</value></field>
  <field var='empty'/>
</x></query></iq>"""


def test_an_info_reply_reads_as_identities_features_and_forms():
    info = read_info(INFO, "upload.example.org", "n")
    assert info.identities == (Identity("store", "file", "HTTP File Upload"), Identity("component", "?"))
    assert info.identities[0].label == "store/file HTTP File Upload"
    assert info.features == ("urn:xmpp:http:upload:0",), "duplicates and empty vars dropped"
    assert info.forms == (
        InfoForm(
            "urn:xmpp:http:upload:0",
            (FormField("max-file-size", "Largest file", ("1024",)), FormField("empty")),
        ),
    )


def test_items_and_a_result_set():
    items = f"""<iq type='result' id='2'><query xmlns='{DISCO_ITEMS}'>
    <item jid='a@muc.example.org' name='A'/><item jid='pubsub.example.org' node='news'/><item name='no jid'/>
    <set xmlns='{RSM}'><first index='5'>a</first><last>b</last><count>7</count></set></query></iq>"""
    page = read_items(items)
    assert page.items == (Item("a@muc.example.org", "", "A"), Item("pubsub.example.org", "news"))
    assert (page.last, page.count, page.index) == ("b", 7, 5)
    assert page.ends(2), "5 + 2 items: the seventh is the last"
    assert not replace(page, index=0).ends(2), "2 of 7 seen: more follow"
    assert replace(page, index=0).ends(3), "fewer than asked: the last page"
    unpaged = read_items(f"<iq type='result' id='3'><query xmlns='{DISCO_ITEMS}'/></iq>")
    assert unpaged.last == "" and unpaged.count is None and unpaged.ends(50)
    odd = read_items(
        f"<iq type='result' id='4'><query xmlns='{DISCO_ITEMS}'><set xmlns='{RSM}'><count>lots</count></set></query></iq>"
    )
    assert odd.count is None, "a count that is not a number is no count"


@pytest.mark.parametrize(
    "reply",
    [
        "<iq type='error' id='1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
        "<iq type='result' id='1'/>",
        "not xml <",
    ],
)
def test_what_is_not_a_disco_result_is_a_value_error(reply):
    with pytest.raises(ValueError):
        read_info(reply, "x")


def test_a_request_is_a_valid_get_with_the_node_and_the_page_escaped():
    (outgoing,) = prepare(disco_request(DISCO_ITEMS, "muc.example.org", "a'b<c", max_items=5, after="x&<y"))
    query = outgoing.element[0]
    assert outgoing.element.get("to") == "muc.example.org" and query.get("node") == "a'b<c"
    assert query.findtext(f"{{{RSM}}}set/{{{RSM}}}max") == "5"
    assert query.findtext(f"{{{RSM}}}set/{{{RSM}}}after") == "x&<y"
    (plain,) = prepare(disco_request(DISCO_INFO, "example.org"))
    assert len(plain.element[0]) == 0 and plain.element[0].get("node") is None


def test_some_variables_filled_the_others_kept_for_sending():
    assert substitute_some("to='${peer}' id='${id}' $$ ${x:y} ${pubsub}", {"peer": "a&b", "pubsub": "ps"}) == (
        "to='a&amp;b' id='${id}' $$ ${x:y} ps"
    )
    template = parse_template(
        "<!--\ntitle: T\n-->\n<iq type='get' to='${peer}' id='${id}'><query xmlns='urn:x'/></iq>", "t"
    )
    aimed = template.aimed({"peer": "conference.example.org"})
    assert "to='conference.example.org'" in aimed.body and aimed.variables == ("id",)
