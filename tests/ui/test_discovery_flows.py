"""The service discovery browser (F8) against the sandbox Prosody: walking the server, its
components and their features, a long item list in pages, templates aimed at an entity, and
every request in the traffic log, paired with its reply."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, Input, Markdown, OptionList
from textual.widgets.tree import TreeNode

from iqconsole.core.account import Account
from iqconsole.core.disco import DISCO_INFO, DISCO_ITEMS
from iqconsole.core.discovery import Discovery
from iqconsole.core.stanza import prepare
from iqconsole.core.traffic import Direction
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.composer.template_picker import TemplatePicker
from iqconsole.ui.discovery.discovery_screen import DiscoveryScreen
from iqconsole.ui.discovery.discovery_tree import DiscoveryTree, Entity, Feature, Heading, More, Place
from iqconsole.ui.screens.help_screen import HelpScreen
from iqconsole.ui.screens.server_features_screen import ServerFeaturesScreen
from tests.ui.snapshot_app import RecordedDiscovery, sandbox_like_features
from tests.ui.test_hostile_text import visible
from tests.ui.waiting import closed, focused, online, open_feature_list, shown
from tests.xmpp_helpers import account_for, eventually

SIZE = (150, 45)
PUBSUB = "http://jabber.org/protocol/pubsub"


def line_under(node: TreeNode[Place], wanted: Callable[[Place | None], bool]) -> TreeNode[Place] | None:
    return next((line for line in node.children if wanted(line.data)), None)


def child(node: TreeNode[Place], wanted: Callable[[Place | None], bool]) -> TreeNode[Place]:
    found = line_under(node, wanted)
    assert found is not None, f"the wanted line under {node.label}"
    return found


def entity_under(node: TreeNode[Place], jid: str, at: str = "") -> TreeNode[Place]:
    return child(node, lambda data: isinstance(data, Entity) and (data.jid, data.node) == (jid, at))


def more_under(node: TreeNode[Place]) -> TreeNode[Place] | None:
    return line_under(node, lambda data: isinstance(data, More))


async def open_line(pilot, tree: DiscoveryTree, line: TreeNode[Place]) -> None:
    """Put the cursor on `line` and press Enter, as a person would."""
    tree.move_cursor(line)
    await eventually(lambda: tree.cursor_node is line, what=f"the cursor on {line.label}")
    await pilot.press("enter")


async def open_every_page(pilot, tree: DiscoveryTree, node: TreeNode[Place]) -> None:
    """Enter on "more" until the whole list is there."""
    while (more := more_under(node)) is not None:
        await open_more(pilot, tree, node, more)


async def open_more(pilot, tree: DiscoveryTree, node: TreeNode[Place], more: TreeNode[Place]) -> None:
    await open_line(pilot, tree, more)
    await eventually(lambda: more not in node.children, what="the next page")


async def opened(node: TreeNode[Place]) -> None:
    """Once the entity's answers are under it (not 'asking…')."""
    await eventually(
        lambda: bool(node.children) and str(node.children[0].label) != "asking…",
        timeout=20,
        what=f"the answers of {node.label}",
    )


async def component_opened(
    pilot, app: IqConsoleApp, jid: str
) -> tuple[DiscoveryTree, TreeNode[Place], TreeNode[Place]]:
    """F8, then the server's component `jid` opened: the tree, the server's line and the component's."""
    await pilot.press("f8")
    tree = (await shown(app, DiscoveryScreen)).entities
    server = entity_under(tree.root, "localhost")
    await opened(server)
    component = entity_under(server, jid)
    await open_line(pilot, tree, component)
    await opened(component)
    return tree, server, component


def disco_requests(app: IqConsoleApp, after: int, namespace: str, to: str) -> list:
    return [
        entry
        for entry in app.store.entries
        if entry.seq > after
        and entry.direction is Direction.OUT
        and entry.namespace == namespace
        and entry.recipient == to
    ]


async def test_the_browser_walks_server_components_and_a_components_features(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "disco1"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app)
        before = app.store.entries[-1].seq
        await pilot.press("f8")
        screen = await shown(app, DiscoveryScreen)
        tree = screen.entities
        server = entity_under(tree.root, "localhost")
        assert "(your server)" in str(server.label)
        entity_under(tree.root, "alice@localhost")  # the account's own JID is a start too
        await opened(server)
        assert "[server/im" in str(server.label), "the entity's identity, once it answered"
        conference = entity_under(server, "conference.localhost")
        await open_line(pilot, tree, conference)
        await opened(conference)
        features = child(conference, lambda data: isinstance(data, Heading))
        assert str(features.label).startswith("features (")
        await open_line(pilot, tree, features)
        muc = child(features, lambda data: isinstance(data, Feature) and data.var == "http://jabber.org/protocol/muc")
        assert "XEP-0045" in str(muc.label), "each feature's name from the knowledge files"
        tree.move_cursor(muc)
        detail = screen.query_one("#discovery-detail")
        await eventually(lambda: "Multi-User Chat" in str(detail.render()), what="the feature's description")

        # Every request is ordinary traffic, paired with its reply and timed.
        for namespace, to in (
            (DISCO_INFO, "localhost"),
            (DISCO_ITEMS, "localhost"),
            (DISCO_INFO, "conference.localhost"),
        ):
            (request,) = disco_requests(app, before, namespace, to)
            pairing = app.store.pairing_of(request)
            assert pairing is not None and pairing.reply is not None and pairing.round_trip is not None

        # Kept for the session: closing and opening again asks nothing, and shows what was open.
        asked = len(app.store.entries)
        await pilot.press("escape")
        await closed(app, DiscoveryScreen)
        await pilot.press("f8")
        again = await shown(app, DiscoveryScreen)
        assert again is screen and conference.is_expanded
        assert len(app.store.entries) == asked, "no new request"

        # r asks again.
        tree.move_cursor(conference)
        await pilot.press("r")
        await eventually(
            lambda: len(disco_requests(app, before, DISCO_INFO, "conference.localhost")) == 2,
            what="a second disco#info after refresh",
        )
        await opened(conference)

        # F1: what the browser does, and its keys.
        await pilot.press("f1")
        help_screen = await shown(app, HelpScreen)
        assert "Service discovery" in help_screen._text and "discovery.templates" in str(
            help_screen.query_one(Markdown).source
        )
        await pilot.press("escape")
        await shown(app, DiscoveryScreen)

        # a: every feature found at login, in one table; Esc goes back to the browser.
        await pilot.press("a")
        await shown(app, ServerFeaturesScreen)
        await pilot.press("escape")
        await shown(app, DiscoveryScreen)


async def test_a_long_item_list_comes_a_page_at_a_time(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "disco2"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app)
        created = [f"disco-page-{n:02d}" for n in range(25)]
        for node in created:
            (create,) = prepare(
                f"<iq type='set' to='pubsub.localhost'><pubsub xmlns='{PUBSUB}'><create node='{node}'/></pubsub></iq>"
            )
            outcome = await app.session.request(create)
            assert outcome.reply is not None and outcome.reply.type == "result", outcome.describe()
        app.discovery.page_size = 10
        before = app.store.entries[-1].seq
        tree, _server, pubsub = await component_opened(pilot, app, "pubsub.localhost")

        def listed() -> list[str]:
            return [line.data.node for line in pubsub.children if isinstance(line.data, Entity)]

        assert len(listed()) == 10, "one page shown"
        more = more_under(pubsub)
        assert more is not None and "more (10 shown)" in str(more.label)
        await open_every_page(pilot, tree, pubsub)
        assert set(created) <= set(listed())
        assert len(listed()) == len(set(listed()))
        # Prosody does not page disco#items (no XEP-0059 there): one request, shown in chunks.
        assert len(disco_requests(app, before, DISCO_ITEMS, "pubsub.localhost")) == 1
        # A pubsub node opens onto its own info (pubsub#meta-data form).
        leaf = entity_under(pubsub, "pubsub.localhost", created[0])
        await open_line(pilot, tree, leaf)
        await opened(leaf)
        assert "[pubsub/leaf" in str(leaf.label)
        detail = tree.screen.query_one("#discovery-detail")
        await eventually(
            lambda: "info forms: http://jabber.org/protocol/pubsub#meta" in str(detail.render()),
            what=f"the node summed up under the tree, not {detail.render()}",
        )


async def test_templates_aimed_at_an_entity_and_peer(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "disco3"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app)
        editor = app.query_one(ComposerEditor)
        editor.text = ""
        tree, server, _pubsub = await component_opened(pilot, app, "pubsub.localhost")
        screen = tree.screen
        await pilot.press("t")
        picker = await shown(app, TemplatePicker)
        assert "aimed at pubsub.localhost" in str(picker.query_one(".title").render())
        announced = app.discovery.known("pubsub.localhost").features
        first = picker.shown[0]
        assert first.feature in announced, "the templates needing the entity's features come first"
        options = picker.query_one("#picker-list", OptionList)
        assert str(options.get_option_at_index(0).prompt).startswith("●")
        search = picker.query_one("#picker-search", Input)
        await focused(search)
        await pilot.press(*"get items")
        await eventually(
            lambda: bool(picker.shown) and picker.shown[0].name == "pubsub-items", what="the pubsub template"
        )
        await pilot.press("enter")
        await closed(app, TemplatePicker)
        await eventually(lambda: 'to="pubsub.localhost"' in editor.text, what="the template aimed at the service")
        assert "${id}" in editor.text, "the other variables are filled when sending"

        # On a feature line: the templates needing that feature come first.
        await pilot.press("f8")
        await shown(app, DiscoveryScreen)
        conference = entity_under(server, "conference.localhost")
        await open_line(pilot, tree, conference)
        await opened(conference)
        features = child(conference, lambda data: isinstance(data, Heading))
        await open_line(pilot, tree, features)
        muc = child(features, lambda data: isinstance(data, Feature) and data.var == "http://jabber.org/protocol/muc")
        await open_line(pilot, tree, muc)
        await pilot.press("t")
        picker = await shown(app, TemplatePicker)
        assert picker.shown[0].feature == "http://jabber.org/protocol/muc"
        await pilot.press("escape")
        await closed(app, TemplatePicker)

        # p: the entity becomes ${peer}; again: back to the log's selection; c copies its JID.
        await pilot.press("f8")
        await shown(app, DiscoveryScreen)
        tree.move_cursor(entity_under(server, "conference.localhost"))
        await pilot.press("p")
        await eventually(lambda: app.composer.context.peer == "conference.localhost", what="the chosen peer")
        await pilot.press("p")
        await eventually(lambda: app.composer.context.peer == "", what="the peer unset")
        await pilot.press("c")
        await eventually(lambda: app.clipboard == "conference.localhost", what="the JID copied")

        # g: any JID typed in.
        await pilot.press("g")
        box = screen.query_one("#discovery-jid", Input)
        await focused(box)
        await pilot.press(*"nobody.invalid")
        await pilot.press("enter")
        await eventually(
            lambda: line_under(tree.root, lambda data: getattr(data, "jid", "") == "nobody.invalid") is not None,
            what="the typed JID",
        )
        typed = entity_under(tree.root, "nobody.invalid")
        await opened(typed)
        assert "✖" in str(typed.children[0].label), "an entity that cannot answer says why"
        assert len(disco_requests(app, 0, DISCO_INFO, "nobody.invalid")) == 1, "its failed info is asked once"


async def test_an_entity_that_pages_is_asked_one_page_at_a_time(ejabberd):
    """ejabberd's chat service announces XEP-0059: its rooms are asked for a page at a time."""
    app = IqConsoleApp(account_for(ejabberd, "alice", "disco4"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app)
        session = app.session
        rooms = [f"disco-room-{n:02d}@conference.localhost" for n in range(12)]
        for room in rooms:  # a room exists while its occupant (this console) is in it
            (join,) = prepare(f"<presence to='{room}/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            session.send(join)
            (instant,) = prepare(
                f"<iq type='set' to='{room}'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                "<x xmlns='jabber:x:data' type='submit'/></query></iq>"
            )
            outcome = await session.request(instant)
            assert outcome.settled.value == "result", outcome.describe()
        app.discovery.page_size = 5
        before = app.store.entries[-1].seq
        tree, _server, conference = await component_opened(pilot, app, "conference.localhost")

        def listed() -> list[str]:
            return [line.data.jid for line in conference.children if isinstance(line.data, Entity)]

        assert len(listed()) == 5
        more = more_under(conference)
        assert more is not None and "next page (5 shown of 12)" in str(more.label)
        await open_every_page(pilot, tree, conference)
        assert sorted(listed()) == rooms
        asked = disco_requests(app, before, DISCO_ITEMS, "conference.localhost")
        assert len(asked) == 3, "three pages of at most 5"
        assert all("<max>5</max>" in entry.xml for entry in asked)
        assert "<after>" in asked[1].xml and "<after>" in asked[2].xml


class HostileDiscovery(RecordedDiscovery):
    """A server whose names carry controls, markup and line breaks."""

    NAME = "clear\x9b2J [/bold] [@click=app.quit]x[/] two&#10;lines invoice-\u202efdp.exe\u202c"
    INFO = {"localhost": f"<identity category='server' type='im' name='{NAME}'/><feature var='urn:x:{NAME}'/>"}
    ITEMS = {"localhost": f"<item jid='evil.localhost' name='{NAME}'/>"}


async def test_what_a_hostile_server_names_is_drawn_on_one_line_never_obeyed():
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        app.discovery = Discovery(HostileDiscovery())
        await pilot.press("f8")
        tree = (await shown(app, DiscoveryScreen)).entities
        server = entity_under(tree.root, "localhost")
        await opened(server)
        features = child(server, lambda data: isinstance(data, Heading))
        await open_line(pilot, tree, features)
        labels = [str(line.label) for line in (server, *server.children, *features.children)]
        assert all(visible(label) and "\n" not in label for label in labels), labels
        assert "[@click=app.quit]" in str(entity_under(server, "evil.localhost").label), "markup shown as written"
        assert "two⏎lines" in str(server.label)
        tree.move_cursor(features.children[0])
        detail = tree.screen.query_one("#discovery-detail")
        await eventually(lambda: "urn:x:clear" in str(detail.render()), what="the feature described")
        assert visible(str(detail.render()))


async def test_all_features_before_and_after_the_login_discovery():
    """`a` lists what the login's discovery found when asked, not when the browser opened; before
    it, it says so (and a resize does not break it)."""
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_feature_list(pilot)
        listing = await shown(app, ServerFeaturesScreen)
        assert "has not been asked yet" in str(listing.query_one(".title").render())
        await pilot.resize_terminal(120, 40)
        await eventually(lambda: app.size == (120, 40), what="the resize")
        await pilot.press("escape")
        await shown(app, DiscoveryScreen)
        app.server_features = sandbox_like_features()
        await pilot.press("a")
        table = (await shown(app, ServerFeaturesScreen)).query_one(DataTable)
        await eventually(lambda: table.row_count == 8, what="the features found since")
