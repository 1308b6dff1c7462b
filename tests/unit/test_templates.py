"""The template library: built-ins, loading, rendering, user overrides, saving and fuzzy ranking."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from iqconsole.core.stanza import parse_stanzas, prepare
from iqconsole.core.templates import (
    BUILTIN_DIR,
    STANDARD_VARIABLES,
    Template,
    TemplateError,
    discover_templates,
    fuzzy_rank,
    load_template,
    render,
    sample_variables,
    save_user_template,
    slugify,
    standard_variables,
)
from iqconsole.core.traffic import Kind

ME = "alice@example.org/console"
BUILTIN_PATHS = sorted(BUILTIN_DIR.glob("*.xml"))
SM_NS = "urn:xmpp:sm:3"

GOOD = """<!--
title: Ping a friend
description: Is my friend there?
  A second line of description.
source: XEP-0199
feature: urn:xmpp:ping
peer: the friend's full JID
-->
<iq type="get" to="${peer}" id="${id}"><ping xmlns="urn:xmpp:ping"/></iq>
"""


@pytest.fixture(scope="module")
def builtins() -> dict[str, Template]:
    templates, errors = discover_templates(None)
    assert errors == []
    return templates


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# -- built-ins ----------------------------------------------------------------------------------


def test_there_are_enough_builtins(builtins):
    assert len(BUILTIN_PATHS) >= 34
    assert set(builtins) == {path.stem for path in BUILTIN_PATHS}
    assert all(template.builtin for template in builtins.values())


@pytest.mark.parametrize("path", BUILTIN_PATHS, ids=lambda path: path.stem)
def test_every_builtin_loads_and_passes_prepare(path):
    template = load_template(path, builtin=True)
    assert template.name == path.stem and template.path == path
    assert template.title and template.description and re.match(r"^(XEP-\d{4}|RFC \d+)", template.source)
    assert set(template.variables) <= set(STANDARD_VARIABLES), "built-ins must render with the standard variables"
    assert template.variables == tuple(sorted(set(template.variables)))
    if "peer" in template.variables:
        assert template.peer, "a template using ${peer} says what the peer is"
    text = template.render(standard_variables(ME, "bob@example.org/phone"))
    assert "${" not in text
    prepared = prepare(text)
    assert len(prepared) == 1, "one stanza per template"
    (outgoing,) = prepared
    if outgoing.kind is Kind.IQ:
        assert outgoing.is_request, "IQ templates are requests (get/set)"
        assert outgoing.element.get("id"), "IQ templates carry ${id}"
    else:
        assert outgoing.kind in (Kind.MESSAGE, Kind.PRESENCE, Kind.SM)


def test_builtins_cover_the_issue(builtins):
    sources = " ".join(template.source for template in builtins.values())
    for source in (
        "XEP-0030",
        "XEP-0092",
        "XEP-0199",
        "XEP-0202",
        "XEP-0012",
        "RFC 6121",
        "XEP-0054",
        "XEP-0292",
        "XEP-0049",
        "XEP-0191",
        "XEP-0313",
        "XEP-0059",
        "XEP-0060",
        "XEP-0402",
        "XEP-0050",
        "XEP-0077",
        "XEP-0280",
        "XEP-0363",
        "XEP-0045",
        "XEP-0357",
        "XEP-0198",
    ):
        assert source in sources, source
    kinds = {prepare(t.render(sample_variables()))[0].kind for t in builtins.values()}
    assert {Kind.IQ, Kind.MESSAGE, Kind.PRESENCE, Kind.SM} <= kinds
    assert any('node="' in t.body and "disco#info" in t.body for t in builtins.values())
    assert any('node="' in t.body and "disco#items" in t.body for t in builtins.values())
    mam = builtins["mam-query"].body
    assert "jabber:x:data" in mam and "http://jabber.org/protocol/rsm" in mam


def test_stream_management_nonza_is_accepted_by_prepare(builtins):
    (outgoing,) = prepare(builtins["sm-enable"].render(standard_variables(ME)))
    assert outgoing.kind is Kind.SM and outgoing.element.tag == f"{{{SM_NS}}}enable"
    assert outgoing.element.get("id") is None, "prepare adds no id to a nonza"


def test_templates_are_inside_the_package():
    assert BUILTIN_DIR.parent.name == "iqconsole" and BUILTIN_DIR.name == "templates"


# -- rendering and variables ----------------------------------------------------------------------


def test_render_escapes_values():
    body = '<message to="${peer}" id="${id}"><body>${text}</body></message>'
    rendered = render(body, {"peer": 'x"/><evil/>', "id": "1", "text": "<b>&'</b>"})
    (element,) = parse_stanzas(rendered)
    assert element.get("to") == 'x"/><evil/>'
    assert element[0].text == "<b>&'</b>"
    assert len(element) == 1 and "<evil" not in rendered


def test_render_names_every_unknown_variable_and_explains_dollars():
    with pytest.raises(TemplateError) as caught:
        render("<a x='${one}'>${two}${id}${one}</a>", {"id": "1"})
    message = str(caught.value)
    assert "${one}" in message and "${two}" in message and "$$" in message
    assert "${id}" in message  # listed among the known ones


@pytest.mark.parametrize("body", ["<a>$5</a>", "<a>${}</a>", "<a>${bad name}</a>", "<a>${open</a>", "<a>$</a>"])
def test_render_refuses_a_stray_dollar(body):
    with pytest.raises(TemplateError, match=r"\$\$"):
        render(body, {"id": "1"})


def test_double_dollar_is_a_literal_dollar():
    assert render("<a>$${id} costs $$5 ${id}</a>", {"id": "7"}) == "<a>${id} costs $5 7</a>"


def test_standard_variables():
    first = standard_variables("alice@example.org/laptop")
    assert first["jid"] == "alice@example.org/laptop"
    assert (first["bare"], first["domain"], first["resource"]) == ("alice@example.org", "example.org", "laptop")
    assert first["peer"] == "example.org", "no peer: the server"
    second = standard_variables("alice@example.org/laptop", "bob@example.org", {"node": "n1"})
    assert second["peer"] == "bob@example.org" and second["node"] == "n1"
    assert first["id"] != second["id"] and first["id"]
    assert set(first) == set(STANDARD_VARIABLES)
    assert standard_variables("alice@example.org")["resource"] == ""
    assert standard_variables("example.org")["domain"] == "example.org"
    with pytest.raises(TemplateError):
        standard_variables(ME, extra={"not a name": "x"})


def test_a_template_is_answered_by_its_to_or_else_by_the_account_and_its_server():
    builtins, _errors = discover_templates(None)
    variables = standard_variables(ME, services={"pubsub": "pubsub.example.org"})
    assert builtins["pubsub-publish"].answerers(variables) == ("pubsub.example.org",), "the service discovery found"
    no_to = ("alice@example.org", "example.org")
    assert builtins["mam-query"].answerers(variables) == no_to, "no `to`: the server answers for the account"
    assert builtins["blocklist"].answerers(variables) == no_to
    assert builtins["muc-rooms"].answerers(variables) == ("example.org",), "no chat service found: the domain"
    assert builtins["version"].answerers({"id": "x"}) == (), "variables missing: no target"


def test_user_variables_are_listed(tmp_path):
    path = write(
        tmp_path,
        "custom.xml",
        "<!--\ntitle: Custom\n-->\n<iq type='get' to='${service}' id='${id}'><q xmlns='urn:x' node='${node}'/></iq>",
    )
    template = load_template(path)
    assert template.variables == ("id", "node", "service")
    assert template.user_variables == ("node", "service")
    assert not template.builtin and template.description == "" and template.source == ""


# -- loading errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ('<iq type="get"><ping xmlns="urn:xmpp:ping"/></iq>', "no metadata header"),
        ("<!--\ndescription: no title\n-->\n<presence/>", "no title"),
        ("<!--\ntitle: T\n-->\n", "no stanza"),
        ("<!--\ntitle: T\n-->\n<iq type='get'><ping></iq>", "not well-formed"),
        ("<!--\ntitle: T\n-->\n<iq to=${peer}/>", "not well-formed"),
        ("<!--\ntitle: T\nthis is not a field\n-->\n<presence/>", "header line 3"),
        ("<!--\ntitle: T\ntitle: again\n-->\n<presence/>", "twice"),
        ("<!--\ntitle: T\n-->\n<presence>$oops</presence>", r"\$\$"),
    ],
)
def test_bad_files_give_template_error_with_the_file_name(tmp_path, text, message):
    path = write(tmp_path, "broken.xml", text)
    with pytest.raises(TemplateError, match=message) as caught:
        load_template(path)
    assert str(caught.value).startswith("broken.xml: ")


def test_non_utf8_file_is_refused_with_its_name(tmp_path):
    path = write(tmp_path, "latin.xml", "<!--\ntitle: Café\n-->\n<presence/>".encode("latin-1"))
    with pytest.raises(TemplateError, match=r"latin\.xml: not UTF-8"):
        load_template(path)


def test_missing_file_is_a_template_error(tmp_path):
    with pytest.raises(TemplateError, match=r"gone\.xml"):
        load_template(tmp_path / "gone.xml")


def test_header_continuation_lines_and_bom(tmp_path):
    path = write(tmp_path, "ping.xml", "\ufeff" + GOOD)
    template = load_template(path)
    assert template.description == "Is my friend there? A second line of description."
    assert (template.title, template.source, template.feature) == ("Ping a friend", "XEP-0199", "urn:xmpp:ping")
    assert template.peer == "the friend's full JID"
    assert template.body.startswith("<iq") and "-->" not in template.body


# -- discovery and user overrides -------------------------------------------------------------------


def test_user_templates_override_builtins_and_errors_are_collected(tmp_path, builtins):
    write(tmp_path, "ping.xml", GOOD)
    write(tmp_path, "mine.xml", "<!--\ntitle: Mine\n-->\n<presence/>")
    write(tmp_path, "broken.xml", "<!--\ntitle: Broken\n-->\n<presence>")
    write(tmp_path, "notes.txt", "not a template")
    templates, errors = discover_templates(tmp_path)
    assert templates["ping"].title == "Ping a friend" and not templates["ping"].builtin
    assert templates["ping"].path == tmp_path / "ping.xml"
    assert templates["mine"].title == "Mine"
    assert "broken" not in templates
    assert len(errors) == 1 and "broken.xml" in errors[0]
    assert templates["version"] == builtins["version"]
    assert list(templates) == sorted(templates)


def test_missing_user_dir_is_fine(tmp_path, builtins):
    templates, errors = discover_templates(tmp_path / "nothing-here")
    assert errors == [] and templates.keys() == builtins.keys()


def test_user_dir_that_is_a_file_is_reported(tmp_path):
    path = write(tmp_path, "file", "x")
    _templates, errors = discover_templates(path)
    assert errors and "not a directory" in errors[0]


# -- saving -----------------------------------------------------------------------------------


def test_save_writes_a_loadable_template(tmp_path):
    body = '<iq type="get" to="${peer}" id="${id}"><query xmlns="jabber:iq:version"/></iq>'
    path = save_user_template(tmp_path / "templates", "My Server's Version!", body, "Two\nlines", "XEP-0092")
    assert path == tmp_path / "templates" / "my-server-s-version.xml"
    template = load_template(path)
    assert (template.title, template.description, template.source) == ("My Server's Version!", "Two lines", "XEP-0092")
    assert template.body == body and template.variables == ("id", "peer")
    templates, errors = discover_templates(tmp_path / "templates")
    assert errors == [] and templates["my-server-s-version"].title == "My Server's Version!"


def test_save_refuses_to_overwrite_unless_asked(tmp_path):
    first = save_user_template(tmp_path, "Ping", "<presence/>")
    with pytest.raises(TemplateError, match="already exists"):
        save_user_template(tmp_path, "ping", "<presence type='unavailable'/>")
    assert "unavailable" not in first.read_text(encoding="utf-8")
    again = save_user_template(tmp_path, "ping", "<presence type='unavailable'/>", overwrite=True)
    assert again == first and "unavailable" in first.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["ping.xml"], "no temporary file left behind"


@pytest.mark.parametrize(
    "title, body, description, message",
    [
        ("!!!", "<presence/>", "", "letters or digits"),
        ("Broken", "<presence>", "", "not well-formed"),
        ("Broken", "<presence>${x</presence>", "", r"\$\$"),
        ("Dash", "<presence/>", "a -- b", "--"),
        ("Two\nlines", "<presence/>", "", "one line"),
    ],
)
def test_save_refuses_bad_templates_and_writes_nothing(tmp_path, title, body, description, message):
    with pytest.raises(TemplateError, match=message):
        save_user_template(tmp_path / "user", title, body, description)
    assert not (tmp_path / "user").exists()


def test_slugify():
    assert slugify("Ping: my server!") == "ping-my-server"
    assert slugify("  Ünïcödé  vCard ") == "unicode-vcard"
    assert slugify("★★★") == ""


# -- fuzzy ranking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, first",
    [
        ("ping", "ping"),
        ("version", "version"),
        ("block", "block"),
        ("disco items", "disco-items"),
        ("vcard4 get", "vcard4-get"),
        ("carbons en", "carbons-enable"),
        ("muc conf", "muc-owner-config"),
        ("roster get", "roster-get"),
        ("upload", "upload-slot"),
        ("sm", "sm-enable"),
    ],
)
def test_fuzzy_rank_puts_the_exactish_match_first(builtins, query, first):
    ranked = fuzzy_rank(query, builtins)
    assert ranked and ranked[0].name == first, [template.name for template in ranked[:5]]


def test_fuzzy_rank_matches_sources_and_subsequences(builtins):
    assert {t.name for t in fuzzy_rank("0313", builtins)} == {n for n, t in builtins.items() if "XEP-0313" in t.source}
    assert "pubsub-publish" in [t.name for t in fuzzy_rank("psbpub", builtins)]
    assert fuzzy_rank("zzzzqqq", builtins) == []


def test_fuzzy_rank_empty_query_gives_everything_by_title(builtins):
    ranked = fuzzy_rank("  ", builtins.values())
    assert len(ranked) == len(builtins)
    assert [t.title.lower() for t in ranked] == sorted(t.title.lower() for t in ranked)


def test_template_file_is_a_valid_xml_document():
    """The header is a real XML comment: a built-in opens in any XML tool as it is."""
    for path in BUILTIN_PATHS:
        text = path.read_text(encoding="utf-8")
        ET.fromstring(re.sub(r"\$\{(\w+)\}", "x", text))
