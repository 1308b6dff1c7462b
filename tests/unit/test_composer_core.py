"""Composer core: variables, validation as you type, stanza under the cursor, history, drafts,
config and --var, server features."""

from __future__ import annotations

import json

import pytest

from iqconsole.core import locations
from iqconsole.core.config import Config, ConfigError, load_config, parse_var_options
from iqconsole.core.discovered_services import discovered_services
from iqconsole.core.history import History, load_draft, save_draft
from iqconsole.core.server_features import (
    DiscoInfo,
    ServerFeatures,
    describe_namespace,
    parse_disco_info,
    parse_disco_items,
)
from iqconsole.core.settings import stanza_size
from iqconsole.core.templates import discover_templates, standard_variables
from iqconsole.core.validation import Context, check, split_chunks

ME = Context("alice@example.org/console", "bob@example.org/phone", {"node": "urn:x:node"})
TWO = """<iq type="get" to="${domain}"><ping xmlns="urn:xmpp:ping"/></iq>

<iq type="get" to="${peer}" id="${id}"><query xmlns="jabber:iq:version"/></iq>
"""


# -- variables ---------------------------------------------------------------------------------


def test_variables_are_filled_in_and_id_is_fresh_per_stanza():
    checked = check(TWO + TWO, ME)
    assert checked.ok and checked.total == 4 and len(checked.stanzas) == 4
    first, second = checked.stanzas[0].element, checked.stanzas[1].element
    assert first.get("to") == "example.org" and second.get("to") == "bob@example.org/phone"
    ids = [outgoing.element.get("id") for outgoing in checked.stanzas]
    assert len(set(ids)) == 4, "every stanza gets its own id"
    again = check(TWO, ME)
    assert again.stanzas[1].element.get("id") != second.get("id"), "and a new one on every send"


def test_user_variables_and_standard_ones():
    text = '<iq type="get" to="${bare}"><query xmlns="http://jabber.org/protocol/disco#info" node="${node}"/></iq>'
    (outgoing,) = check(text, ME).stanzas
    assert outgoing.element.get("to") == "alice@example.org"
    assert outgoing.element[0].get("node") == "urn:x:node"
    text = '<message to="${peer}"><body>${jid} ${resource}</body></message>'
    (outgoing,) = check(text, ME).stanzas
    assert outgoing.element[0].text == "alice@example.org/console console"


def test_unknown_variable_is_an_error_naming_it_with_its_position():
    checked = check('<iq type="get" to="${domain}">\n  <query xmlns="jabber:iq:version" node="${nod}"/></iq>', ME)
    assert not checked.ok and not checked.stanzas
    (error,) = checked.errors
    assert "${nod}" in error.message and (error.line, error.column) == (2, 42)


def test_an_unknown_variable_elsewhere_does_not_block_the_stanza_under_the_cursor():
    text = '<iq type="get" to="${nobody}"><ping xmlns="urn:xmpp:ping"/></iq>\n' + TWO
    cursor = text.index("jabber:iq:version")
    (outgoing,) = check(text, ME, cursor).stanzas
    assert outgoing.element.get("to") == "bob@example.org/phone"
    everything = check(text, ME)
    assert not everything.ok and "${nobody}" in everything.errors[0].message
    assert (everything.errors[0].line, everything.errors[0].column) == (1, 20)


def test_preview_shows_the_stanza_as_sent():
    (preview,) = check(TWO, ME, cursor=len(TWO) - 3).serialized()
    assert preview.startswith('<iq type="get" to="bob@example.org/phone" id="')
    assert "${" not in preview and 'xmlns="jabber:client"' not in preview


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message, line",
    [
        ('<iq type="get">\n  <ping xmlns="urn:xmpp:ping">\n</iq>', "mismatched tag", 3),
        ('<iq type="fetch"><ping xmlns="urn:xmpp:ping"/></iq>', "not a valid type", 1),
        ('<iq><ping xmlns="urn:xmpp:ping"/></iq>', "needs a type", 1),
        ('<iq type="get"/>', "exactly one child element, not 0", 1),
        ('<iq type="set"><a xmlns="urn:xmpp:ping"/><b xmlns="urn:xmpp:ping"/></iq>', "not 2", 1),
        ('<iq type="get" to="a b@example.org"><ping xmlns="urn:xmpp:ping"/></iq>', "not a valid JID", 1),
        ('<presence/>\n<iq type="get" to="x@@y"><ping xmlns="urn:xmpp:ping"/></iq>', "not a valid JID", 2),
        ("<message><body>costs $5</body></message>", "$$", None),
    ],
)
def test_errors_refuse_the_send_with_the_reason(text, message, line):
    checked = check(text, ME)
    assert not checked.ok and checked.stanzas == ()
    assert message in str(checked.errors[0])
    assert checked.errors[0].line == line


def test_result_and_error_iqs_may_be_empty():
    assert check('<iq type="result" to="bob@example.org/phone" id="x"/>', ME).ok


def test_warnings_do_not_refuse():
    checked = check('<iq type="get" from="mallory@example.org"><q xmlns="urn:example:unknown"/></iq>', ME)
    assert checked.ok and len(checked.stanzas) == 1
    messages = " ".join(problem.message for problem in checked.warnings)
    assert "urn:example:unknown" in messages and "mallory@example.org" in messages
    own = check('<iq type="get" from="alice@example.org"><ping xmlns="urn:xmpp:ping"/></iq>', ME)
    assert own.warnings == ()


def test_a_stream_level_element_the_server_did_not_announce_is_warned_about():
    announced = Context(ME.own_jid, stream_features=frozenset({"urn:xmpp:sm:3", "urn:xmpp:bind:0"}))
    csi = check("<inactive xmlns='urn:xmpp:csi:0'/>", announced)
    assert csi.ok and "urn:xmpp:csi:0 (XEP-0352 Client State Indication)" in csi.warnings[0].message
    assert "ends the session" in csi.warnings[0].message
    assert check("<enable xmlns='urn:xmpp:sm:3'/>", announced).warnings == ()
    assert check('<iq type="get" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>', announced).warnings == ()
    assert check("<inactive xmlns='urn:xmpp:csi:0'/>", ME).warnings == (), "offline: nothing known to warn about"
    without_sm = Context(ME.own_jid, stream_features=frozenset({"urn:xmpp:bind:0"}))
    (warning,) = check("<enable xmlns='urn:xmpp:sm:3' resume='true'/>", without_sm).warnings
    assert "urn:xmpp:sm:3 (XEP-0198 Stream Management)" in warning.message


def test_every_builtin_passes_validation_without_warnings():
    templates, _errors = discover_templates(None)
    for template in templates.values():
        checked = check(template.body, ME)
        assert checked.ok and checked.warnings == (), (template.name, checked.errors, checked.warnings)


# -- several stanzas -----------------------------------------------------------------------------


def test_split_chunks_and_the_stanza_under_the_cursor():
    chunks = split_chunks(TWO)
    assert [chunk.line for chunk in chunks] == [1, 3]
    assert chunks[0].text.endswith("</iq>") and chunks[1].text.startswith("<iq")
    at_first = check(TWO, ME, cursor=5)
    at_blank_line = check(TWO, ME, cursor=TWO.index("\n\n") + 1)
    at_second = check(TWO, ME, cursor=TWO.rindex("jabber:iq:version"))
    assert [len(c.stanzas) for c in (at_first, at_blank_line, at_second)] == [1, 1, 1]
    assert at_first.stanzas[0].element[0].tag.endswith("ping")
    assert at_blank_line.stanzas[0].element[0].tag.endswith("ping"), "between two: the one before"
    assert at_second.stanzas[0].element[0].tag.endswith("query")
    assert at_second.total == 2
    assert at_second.sources == ('<iq type="get" to="${peer}" id="${id}"><query xmlns="jabber:iq:version"/></iq>',)


def test_an_error_in_another_stanza_does_not_block_the_one_under_the_cursor():
    text = '<iq type="get"><ping xmlns="urn:xmpp:ping"/></iq>\n<iq type="nope"><ping xmlns="urn:xmpp:ping"/></iq>'
    assert check(text, ME, cursor=0).ok
    assert not check(text, ME).ok and check(text, ME).errors[0].line == 2


# -- history and drafts ------------------------------------------------------------------------------


def test_history_survives_a_restart_and_walks_back_and_forth(tmp_path):
    path = tmp_path / "data" / "history.jsonl"
    history = History(path)
    for text in ("<a/>", "<b/>", "<b/>", "<c/>"):
        history.add(text)
    again = History(path)
    assert again.entries == ["<a/>", "<b/>", "<c/>"], "no repeat twice in a row"
    assert again.older("draft") == "<c/>"
    assert again.older("ignored") == "<b/>"
    assert again.older("ignored") == "<a/>"
    assert again.older("ignored") is None, "the oldest"
    assert again.newer() == "<b/>" and again.newer() == "<c/>"
    assert again.newer() == "draft", "past the newest: the text being edited"
    assert again.newer() is None


def test_history_is_bounded_and_skips_torn_lines(tmp_path):
    path = tmp_path / "history.jsonl"
    history = History(path, limit=3)
    for number in range(10):
        history.add(f"<n{number}/>")
    assert history.entries == ["<n7/>", "<n8/>", "<n9/>"]
    assert len(path.read_text().splitlines()) < 6
    with path.open("a") as stream:
        stream.write('{"text": "<half\n')
    assert History(path, limit=3).entries == ["<n7/>", "<n8/>", "<n9/>"]
    assert json.loads(path.read_text().splitlines()[0])["time"]


def test_draft_round_trip(tmp_path):
    path = tmp_path / "sub" / "draft.xml"
    assert load_draft(path) is None
    save_draft(path, "<iq>half-typed")
    assert load_draft(path) == "<iq>half-typed"
    assert [p.name for p in path.parent.iterdir()] == ["draft.xml"]


def test_locations_include_templates_history_and_draft(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    places = locations.all_locations()
    assert places["templates"] == tmp_path / "iqconsole" / "templates"
    assert places["history"].parent == places["draft"].parent == tmp_path / "iqconsole"


# -- config and --var ---------------------------------------------------------------------------------


def test_config_file_is_optional_and_read(tmp_path):
    assert load_config(tmp_path / "none.toml") == Config()
    path = tmp_path / "config.toml"
    path.write_text('timeout = 5\n[variables]\nnode = "urn:x"\ncount = 3\n')
    assert load_config(path) == Config(5.0, {"node": "urn:x", "count": "3"})
    path.write_text('theme = "iqconsole-light"\n[keymap]\n"composer.send" = "ctrl+enter, ctrl+j"\n')
    assert load_config(path) == Config(theme="iqconsole-light", keymap={"composer.send": "ctrl+enter,ctrl+j"})
    path.write_text('max-stanza-size = "20MB"\nmax-depth = 64\n')
    assert load_config(path) == Config(max_stanza_size=20 * 1024 * 1024, max_depth=64)
    path.write_text('stream-management = true\nreconnect = false\nserver-pushes = ["urn:xmpp:blocking"]\n')
    assert load_config(path) == Config(
        stream_management=True, reconnect=False, server_pushes=frozenset({"urn:xmpp:blocking"})
    )
    path.write_text("server-pushes = []\n")
    assert load_config(path).server_pushes == frozenset()


@pytest.mark.parametrize(
    ("written", "size"),
    [("20MB", 20 * 1024**2), ("512 KiB", 512 * 1024), ("1.5m", 1536 * 1024), ("1GB", 1024**3), ("10240", 10240)],
)
def test_a_stanza_size_is_written_in_bytes_or_with_a_unit(written, size):
    assert stanza_size(written) == size
    assert stanza_size(size) == size


@pytest.mark.parametrize(
    "text, message",
    [
        ("timeout = -1", "timeout: -1 is not above 0; allowed: a number of seconds above 0"),
        ("timeout = 0", "timeout: 0 is not above 0"),
        ("timeout = nan", "timeout: nan is not a finite number"),
        ("timeout = inf", "timeout: inf is not a finite number"),
        ("timeout = 'x'", "timeout: x is not a number"),
        (
            "timout = 3",
            "timout: unknown key; allowed: timeout, theme, max-stanza-size, max-depth, variables, keymap, journal",
        ),
        ("[keymap]\n'composer.send' = 5", 'keymap."composer.send": 5 is not a string'),
        ("theme = true", "theme: True is not a string"),
        ("[variables]\n'bad name' = 'x'", "bad variable"),
        ("[variables]\nid = 'x'", "fresh"),
        ("timeout = ", "TOML"),
        ("variables = 3", "table"),
        ("max-stanza-size = '5KB'", "max-stanza-size: 5KB is out of range; allowed: a size from 10KB to 1GB"),
        ("max-stanza-size = 'lots'", "max-stanza-size: lots is not a size; allowed: a size from 10KB"),
        ("max-stanza-size = '20000.5'", "max-stanza-size: 20000.5 is not a size"),
        ("max-stanza-size = 2.5", "max-stanza-size: 2.5 is not a size"),
        ("max-depth = 1000", "max-depth: 1000 is out of range; allowed: a whole number of levels from 8 to 256"),
        ("max-depth = '1.5'", "max-depth: 1.5 is not a whole number"),
        ("reconnect = 'yes'", "reconnect: 'yes' is not true or false"),
        ("stream-management = 1", "stream-management: 1 is not true or false"),
        ("server-pushes = 'urn:xmpp:blocking'", "server-pushes: 'urn:xmpp:blocking' is not a list"),
        ("server-pushes = ['urn:x y']", "server-pushes: 'urn:x y' is not a namespace"),
    ],
)
def test_bad_config_names_the_file(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_var_options():
    assert parse_var_options(["node=urn:x=y", "n="]) == {"node": "urn:x=y", "n": ""}
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        parse_var_options(["node"])
    with pytest.raises(ConfigError, match="bad variable"):
        parse_var_options(["1x=2"])


# -- server features ------------------------------------------------------------------------------------

INFO = """<iq type="result" from="example.org" id="d1"><query xmlns="http://jabber.org/protocol/disco#info">
<identity category="server" type="im" name="Prosody"/><feature var="urn:xmpp:ping"/>
<feature var="jabber:iq:version"/><feature var="urn:example:private"/></query></iq>"""
ITEMS = """<iq type="result" from="example.org" id="d2"><query xmlns="http://jabber.org/protocol/disco#items">
<item jid="conference.example.org"/><item jid="upload.example.org" name="Upload"/><item jid="conference.example.org"/>
</query></iq>"""


def test_parse_disco_and_mark_features():
    info = parse_disco_info(INFO, "example.org")
    assert info.identities == ("server/im Prosody",)
    assert info.features == ("jabber:iq:version", "urn:example:private", "urn:xmpp:ping")
    assert parse_disco_items(ITEMS) == ["conference.example.org", "upload.example.org"]
    features = ServerFeatures()
    features.add(info)
    features.add(DiscoInfo("upload.example.org", (), ("urn:xmpp:http:upload:0",)))
    features.account = DiscoInfo("me@example.org", ("pubsub/pep",), ("urn:xmpp:mam:2",))
    assert features.announces("example.org", "urn:xmpp:ping")
    assert features.announces("upload.example.org", "urn:xmpp:http:upload:0")
    assert not features.announces("example.org", "urn:xmpp:http:upload:0"), "only where it is announced"
    assert features.announces("me@example.org", "urn:xmpp:mam:2") and not features.announces(
        "example.org", "urn:xmpp:mam:2"
    )
    rows = features.rows()
    assert ("example.org", "urn:xmpp:ping", "XEP-0199 XMPP Ping") in rows
    assert ("example.org", "urn:example:private", "") in rows
    assert rows[-1][0] == "me@example.org", "the account's group comes after the server's and its components'"


def test_services_are_found_by_identity_and_fill_the_template_variables():
    features = ServerFeatures()
    features.add(DiscoInfo("example.org", ("server/im",), ()))
    features.add(DiscoInfo("rooms.example.org", ("conference/text Chatrooms",), ()))
    features.add(DiscoInfo("files.example.org", ("store/file HTTP File Upload",), ()))
    services = discovered_services(features)
    assert services == {"muc": "rooms.example.org", "upload": "files.example.org"}
    variables = standard_variables("me@example.org/console", services=services)
    assert (variables["muc"], variables["upload"]) == ("rooms.example.org", "files.example.org")
    assert variables["pubsub"] == variables["push"] == "example.org", "not found: the account's domain"
    assert discovered_services(None) == {}


def test_parse_disco_refuses_other_stanzas():
    with pytest.raises(ValueError):
        parse_disco_info('<iq type="error" id="x"/>', "example.org")
    with pytest.raises(ValueError):
        parse_disco_items(INFO)


def test_describe_namespace():
    assert describe_namespace("http://jabber.org/protocol/pubsub#publish-options").startswith("XEP-0060")
    assert describe_namespace("muc_persistent").startswith("XEP-0045")
    assert describe_namespace("jabber:iq:time").startswith("XEP-0090"), "Prosody announces it; F8 names it"
    assert describe_namespace("urn:nobody:knows") == ""


def test_history_redacts_secrets_and_never_drops_a_draft(tmp_path):
    history = History(tmp_path / "history.jsonl")
    history.add("<iq type='set'><query xmlns='jabber:iq:register'><password>hunter2</password></query></iq>")
    assert "hunter2" not in (tmp_path / "history.jsonl").read_text() and "hunter2" not in history.entries[-1]
    history.add("<B/>")
    assert history.older("<DRAFT/>") == "<B/>"
    history.stop_walking()  # the user edits what the history showed
    shown = [history.older("<B x='1'/>")]
    while (entry := history.older("ignored")) is not None:
        shown.append(entry)
    assert "<DRAFT/>" in shown, "the first draft is still reachable"
