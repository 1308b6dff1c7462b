"""Several accounts in one console (Pilot), against the real Prosody: alice asks bob, bob's
responder answers, and both sides of the exchange are in the one log."""

from __future__ import annotations

from collections.abc import Callable

from iqconsole.core.account_file import NamedAccount
from iqconsole.core.client import ConnectionState
from iqconsole.core.disco import DISCO_INFO
from iqconsole.core.responders import ResponderSet
from iqconsole.core.traffic import Direction
from iqconsole.ui.discovery.discovery_screen import DiscoveryScreen
from iqconsole.ui.multi_account_app import MultiAccountApp
from iqconsole.ui.responders.responder_table import ResponderTable
from iqconsole.ui.status_bar import StatusBar
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.ui.test_app_flows import type_and_send
from tests.ui.test_discovery_flows import entity_under, opened
from tests.ui.waiting import closed, focused, shown
from tests.xmpp_helpers import account_for, eventually

SIZE = (160, 45)


def outcome(app: MultiAccountApp) -> str:
    return str(app.query_one("#composer-outcome").render())


def chosen(app: MultiAccountApp, name: str) -> Callable[[], bool]:
    return lambda: app.chosen == name


def both_online(app: MultiAccountApp) -> bool:
    return len(app.sessions) == 2 and all(session.online for session in app.sessions.values())


async def test_alice_pings_bob_and_bob_answers_both_sides_in_one_log(prosody):
    alice, bob = account_for(prosody, "alice", "multi"), account_for(prosody, "bob", "multi")
    app = MultiAccountApp([NamedAccount("alice", alice), NamedAccount("bob", bob)])
    async with app.run_test(size=SIZE) as pilot:
        await eventually(lambda: both_online(app), timeout=30, what="alice and bob online")
        status = app.query_one(StatusBar)
        assert status.account_choice == "alice (1 of 2, Ctrl+F next)"
        await eventually(lambda: status.account == "alice@localhost/multi", what="alice in the status bar")

        # Each account has its own responders: bob's answers pings, and the pane shows the chosen one's.
        app.account_responders["bob"].add("pong", "iq@type=get/ping")
        assert app.query_one(ResponderTable).row_count == 0, "alice has no responders"

        await type_and_send(
            app, pilot, '<iq type="get" id="m1" to="bob@localhost/multi"><ping xmlns="urn:xmpp:ping"/></iq>'
        )
        await eventually(lambda: "Result for m1" in outcome(app), timeout=20, what="alice's reply from bob")

        view = app.query_one(TrafficView)
        exchange = [(entry.account, entry.direction, entry.type) for entry in app.store if entry.stanza_id == "m1"]
        assert exchange == [
            ("alice", Direction.OUT, "get"),
            ("bob", Direction.IN, "get"),
            ("bob", Direction.OUT, "result"),
            ("alice", Direction.IN, "result"),
        ]
        await eventually(lambda: sum('id="m1"' in line for line in view.plain_lines()) == 4, what="four rows")
        rows = [line for line in view.plain_lines() if 'id="m1"' in line]
        assert [row.split()[1] for row in rows] == ["alice", "bob", "bob", "alice"], "the account column"
        assert "[⚑ pong]" in rows[2] and " ms]" in rows[3]
        assert app.account_stores["alice"].pairing_of(app.account_stores["alice"].entries[-1]) is not None
        assert not any(entry.account == "alice" for entry in app.account_stores["bob"]), "bob's own store is his"

        # Ctrl+F: the composer sends from bob; the status bar and the responders pane follow.
        await pilot.press("ctrl+f")
        await eventually(lambda: status.account_choice.startswith("bob (2 of 2"), what="bob chosen")
        assert status.account == "bob@localhost/multi" and status.state is ConnectionState.ONLINE
        await eventually(lambda: app.query_one(ResponderTable).row_count == 1, what="bob's responders shown")
        await type_and_send(
            app, pilot, '<iq type="get" id="m2" to="alice@localhost/multi"><ping xmlns="urn:xmpp:ping"/></iq>'
        )
        await eventually(lambda: "Error reply to m2" in outcome(app), timeout=20, what="alice's console refusing")
        assert "service-unavailable" in outcome(app), "alice has no responder: her console says so"
        sent = next(entry for entry in app.store if entry.stanza_id == "m2" and entry.direction is Direction.OUT)
        assert sent.account == "bob"

        # The log shows the chosen account alone, then every account again.
        view.focus()
        await focused(view)
        await pilot.press("a")
        await eventually(lambda: view.only_account == "bob", what="bob's traffic only")
        await eventually(lambda: all(line.split()[1] == "bob" for line in view.plain_lines()), what="bob's rows")
        assert "bob only" in str(view.border_subtitle)
        await pilot.press("a")
        await eventually(lambda: any(line.split()[1] == "alice" for line in view.plain_lines()), what="all again")


async def test_one_account_has_no_account_column_and_no_scope_key(prosody):
    from iqconsole.ui.app import IqConsoleApp

    app = IqConsoleApp(account_for(prosody, "carol", "single"))
    async with app.run_test(size=SIZE) as pilot:
        await eventually(lambda: app.session is not None and app.session.online, timeout=30, what="carol online")
        view = app.query_one(TrafficView)
        view.focus()
        await focused(view)
        await pilot.press("a")
        assert view.only_account is None
        assert not app.query_one(StatusBar).account_choice
        assert all(line.split()[1] in "←→" for line in view.plain_lines())


async def test_a_missing_password_is_asked_for_that_account_only(prosody):
    from textual.widgets import Input

    from iqconsole.core.account import Secret
    from iqconsole.ui.screens.login_screen import LoginScreen
    from tests.ui.waiting import shown

    alice = account_for(prosody, "alice", "asked")
    bob = account_for(prosody, "bob", "asked", password="")
    app = MultiAccountApp([NamedAccount("alice", alice), NamedAccount("bob", bob)], responders=ResponderSet())
    async with app.run_test(size=SIZE) as pilot:
        login = await shown(app, LoginScreen)
        assert login.query_one("#login-jid", Input).value == "bob@localhost/asked"
        password = login.query_one("#login-password", Input)
        password.value = Secret(prosody.account("bob").password).reveal()
        password.focus()
        await focused(password)
        await pilot.press("enter")
        await eventually(lambda: both_online(app), timeout=30, what="both online after the prompt")


async def test_the_discovery_browser_asks_with_the_chosen_account(prosody):
    """F8 with several accounts browses as the chosen one, and starts afresh for the next."""
    alice, bob = account_for(prosody, "alice", "multi-disco"), account_for(prosody, "bob", "multi-disco")
    app = MultiAccountApp([NamedAccount("alice", alice), NamedAccount("bob", bob)])
    async with app.run_test(size=SIZE) as pilot:
        await eventually(lambda: both_online(app), timeout=30, what="alice and bob online")
        for name, then in (("alice", "bob"), ("bob", "alice")):
            await pilot.press("f8")
            tree = (await shown(app, DiscoveryScreen)).entities
            own = entity_under(tree.root, f"{name}@localhost")
            server = entity_under(tree.root, "localhost")
            await opened(server)
            assert "[server/im" in str(server.label), f"{name} asked the server"
            asked = [entry for entry in app.store if entry.namespace == DISCO_INFO and entry.recipient == "localhost"]
            assert asked and asked[-1].account == name, f"the request went from {name}"
            assert own is not None
            await pilot.press("escape")
            await closed(app, DiscoveryScreen)
            await pilot.press("ctrl+f")
            await eventually(chosen(app, then), what=f"{then} chosen")
