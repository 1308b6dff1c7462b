"""The console as an external component (Pilot), against the real Prosody: the log and the
responders work as for an account, and Ctrl+L logs the component in again (the login form is for
accounts)."""

from __future__ import annotations

from iqconsole.core.client import ConnectionState
from iqconsole.core.responders import ResponderSet
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.screens.login_screen import LoginScreen
from iqconsole.ui.status_bar import StatusBar
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.integration.test_responders_live import PING, Peer
from tests.ui.test_app_flows import SIZE
from tests.xmpp_helpers import component_account_for, eventually, plain_client


async def test_a_component_answers_through_its_responders_and_logs_both_sides(prosody):
    responders = ResponderSet()
    responders.add("pong", "iq@type=get/ping")
    app = IqConsoleApp(component_account_for(prosody), responders=responders)
    async with app.run_test(size=SIZE) as pilot:
        # a component asks no discovery: logged in is all there is to wait for
        await eventually(lambda: app.session is not None and app.session.online, what="login")
        status = app.query_one(StatusBar)
        assert status.account == prosody.component_domain
        bob = await plain_client(prosody, "bob", "asks-component")
        try:
            reply = await Peer(bob).ask(f"echo@{prosody.component_domain}/x", PING)
        finally:
            bob.disconnect()
        assert reply.get("type") == "result"
        await eventually(lambda: responders.get("pong").hits == 1, what="the responder's hit")

        def both_sides() -> bool:
            lines = app.query_one(TrafficView).plain_lines()
            return any("←" in line and "bob@localhost/asks-component" in line for line in lines) and any(
                "→" in line and "pong" in line for line in lines
            )

        await eventually(both_sides, what="the request and the responder's reply in the log")
        first = app.session
        await pilot.press("ctrl+l")
        await eventually(lambda: app.session is not first and app.session.online, what="logged in again")
        assert not isinstance(app.screen, LoginScreen)


async def test_a_wrong_secret_is_said_and_opens_no_account_form(prosody):
    app = IqConsoleApp(component_account_for(prosody, secret="wrong"))
    async with app.run_test(size=SIZE) as pilot:
        await eventually(
            lambda: app.session is not None and app.session.state is ConnectionState.FAILED, what="the failed login"
        )
        await eventually(
            lambda: not any(worker.group == "connect" and worker.is_running for worker in app.workers),
            what="the login attempt handled to its end",
        )
        await pilot.pause()  # what it asked the screen to do is done
        assert "not-authorized" in app.session.detail
        assert not isinstance(app.screen, LoginScreen), "the login form would turn the component into an account"
