"""F6 explains a stanza where a learner looks at one: the traffic log, the detail pane, the composer."""

from __future__ import annotations

from iqconsole.core.account import Account
from iqconsole.core.explain import Explanation
from iqconsole.core.protocol import STANZAS_NS
from iqconsole.core.server_features import DiscoInfo, ServerFeatures
from iqconsole.core.traffic import Direction, Kind
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.screens.explain_screen import ExplainScreen
from iqconsole.ui.traffic.traffic_detail import TrafficDetail
from iqconsole.ui.traffic.traffic_view import TrafficView
from iqconsole.ui.viewer_app import TrafficViewerApp
from tests.ui.waiting import closed, focused, shown
from tests.xmpp_helpers import account_for, eventually

SIZE = (150, 45)
PING = '<iq type="get" to="localhost" id="learn1"><ping xmlns="urn:xmpp:ping"/></iq>'


def offline_app(**kwargs) -> IqConsoleApp:
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False, **kwargs)
    app.store.own_jid = "alice@localhost/console"
    app.store.append(
        Direction.OUT, Kind.IQ, PING, stanza_id="learn1", type="get", recipient="localhost", namespace="urn:xmpp:ping"
    )
    app.store.append(
        Direction.IN,
        Kind.IQ,
        '<iq type="result" id="learn1" from="localhost" to="alice@localhost/console"/>',
        stanza_id="learn1",
        type="result",
        sender="localhost",
    )
    return app


async def explain_from_the_log(pilot, seq: int) -> Explanation:
    """Select entry `seq` in the traffic log and press F6 there: the explanation shown."""
    traffic = pilot.app.query_one("#traffic", TrafficView)
    traffic.focus()
    await focused(traffic)
    traffic.selected = seq
    await pilot.press("f6")
    return (await shown(pilot.app, ExplainScreen)).explanation


async def test_f6_in_the_log_explains_a_live_reply_and_its_round_trip(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "explain"))
    async with app.run_test(size=SIZE) as pilot:
        await eventually(lambda: app.session is not None and app.session.online, what="login")
        editor = app.query_one(ComposerEditor)
        editor.text = PING
        await focused(editor)
        await pilot.press("ctrl+j")
        replies = lambda: [e for e in app.store if e.stanza_id == "learn1" and e.direction is Direction.IN]  # noqa: E731
        await eventually(lambda: bool(replies()), what="the server's answer to the ping")
        reply = replies()[0]
        explanation = await explain_from_the_log(pilot, reply.seq)
        traffic = app.query_one("#traffic", TrafficView)
        assert explanation.title == f"iq result · #{reply.seq} received · RFC 6120 §8.2.3"
        exchange = "\n".join(explanation.section("Exchange").lines)
        request = app.store.pairing_of(reply).request
        assert f"The reply to #{request.seq} (iq get," in exchange and " ms:" in exchange
        assert "None: an empty result means the request was done" in explanation.text
        assert "from='localhost': the sender" in explanation.text and "here your own server" in explanation.text
        await pilot.press("escape")
        await closed(app, ExplainScreen)
        await focused(traffic)


async def test_f6_in_the_detail_pane_explains_what_it_shows():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        traffic, detail = app.query_one("#traffic", TrafficView), app.query_one("#detail", TrafficDetail)
        traffic.selected = 0
        await eventually(lambda: detail.entry is not None and detail.entry.seq == 0, what="the request in the detail")
        assert detail.shown_text.startswith("#0 sent"), detail.shown_text[:80]
        assert "· iq · XEP-0199 XMPP Ping ·" in detail.shown_text.split("\n", 1)[0], "the heading names the spec"
        detail.focus()
        await focused(detail)
        await pilot.press("f6")
        screen = await shown(app, ExplainScreen)
        assert screen.explanation.xml == PING
        assert "The result came as #1, after" in screen.explanation.text
        await pilot.press("q")
        await closed(app, ExplainScreen)


async def test_f6_in_the_composer_explains_the_stanza_under_the_cursor():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        editor.text = f"{PING}\n\n<message to='bob@localhost' type='chat'><body>hi</body></message>\n"
        editor.move_cursor((2, 3))
        await focused(editor)
        await pilot.press("f6")
        screen = await shown(app, ExplainScreen)
        assert screen.explanation.title == "message chat · draft · RFC 6120 §8.2.1"
        assert "type='chat': a one-to-one chat line" in screen.explanation.text
        assert "an account (a bare JID)" in screen.explanation.text
        assert "<body> = hi: the message's text" in screen.explanation.text
        await pilot.press("f6")
        await closed(app, ExplainScreen)
        await focused(editor)
        assert editor.text.startswith(PING), "the key typed nothing into the editor"


async def test_f6_with_nothing_selected_says_what_to_do_and_the_key_can_be_rebound():
    app = offline_app(keymap={"traffic.explain": "f7"})
    async with app.run_test(size=SIZE) as pilot:
        traffic = app.query_one("#traffic", TrafficView)
        traffic.focus()
        await focused(traffic)
        await pilot.press("f7")
        await eventually(lambda: any("Select a stanza" in str(n.message) for n in app._notifications), what="the hint")
        assert not isinstance(app.screen, ExplainScreen)
        traffic.selected = 1
        await pilot.press("f7")
        screen = await shown(app, ExplainScreen)
        assert screen.explanation.title.startswith("iq result · #1 received")


async def test_f6_explains_a_recorded_session_in_the_viewer(tmp_path):
    recorded = offline_app().store
    app = TrafficViewerApp(recorded, tmp_path / "lesson.jsonl")
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        await focused(view)
        view.selected = 1
        await pilot.press("f6")
        screen = await shown(app, ExplainScreen)
        assert "The reply to #0 (iq get," in screen.explanation.text


async def test_f6_in_the_log_with_nothing_selected_explains_what_the_detail_pane_shows():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        traffic, detail = app.query_one("#traffic", TrafficView), app.query_one("#detail", TrafficDetail)
        detail.entry = app.store[1]  # after a send, the pane shows the reply while the log selects nothing
        assert traffic.selected_entry is None
        traffic.focus()
        await focused(traffic)
        await pilot.press("f6")
        screen = await shown(app, ExplainScreen)
        assert screen.explanation.title.startswith("iq result · #1 received")


async def test_f6_on_an_error_from_a_chat_room_says_it_is_a_room_from_discovery():
    app = offline_app()
    room = "iqconsole-demo@conference.localhost"
    app.server_features = ServerFeatures([DiscoInfo("conference.localhost", ("conference/text Chatrooms",))])
    error = f"<iq type='error' id='r' from='{room}'><error type='cancel'><item-not-found xmlns='{STANZAS_NS}'/></error></iq>"
    entry = app.store.append(Direction.IN, Kind.IQ, error, stanza_id="r", type="error", sender=room)
    async with app.run_test(size=SIZE) as pilot:
        explanation = await explain_from_the_log(pilot, entry.seq)
        assert "a chat room (a bare JID at the chat service conference.localhost" in explanation.text
        assert "an account" not in explanation.text
