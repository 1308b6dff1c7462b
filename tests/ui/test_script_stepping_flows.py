"""F11 opens a conversation script over the console: each press of F10 performs one step, F5
runs to the end, the traffic log shows every character's stanzas, and a failure shows its difference."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from iqconsole.core.account import Account
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.screens.script_screen import ScriptScreen
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.ui.waiting import choose_path, shown
from tests.xmpp_helpers import eventually

SIZE = (160, 45)
DATA = Path(__file__).parents[1] / "data" / "scansion"


def steps_text(screen: ScriptScreen) -> str:
    return str(screen.query_one("#script-steps", Static).render())


async def open_script(app: IqConsoleApp, pilot, path: Path) -> ScriptScreen:
    await pilot.press("f11")
    await choose_path(app, pilot, path)
    return await shown(app, ScriptScreen)


async def test_step_by_step_on_the_account_s_server(prosody, monkeypatch):
    monkeypatch.setenv("IQCONSOLE_PASSWORD_ALICE", prosody.account("alice").password)
    account = Account("alice@localhost/console", host=prosody.host, port=prosody.port, ca_file=prosody.ca_file)
    app = IqConsoleApp(account, connect_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_script(app, pilot, DATA / "alice_pings.scs")
        assert "▶ ○" in steps_text(screen) and "Alice connects" in steps_text(screen)
        await pilot.press("f10")
        await eventually(lambda: len(screen.script_run.result.steps) == 1, 30, "the first step done")
        await eventually(lambda: "✔" in steps_text(screen) and "▶ ○" in steps_text(screen), what="step 1 marked done")
        await pilot.press("f5")
        await eventually(lambda: screen.script_run.done, 30, "the script run to its end")
        await eventually(lambda: steps_text(screen).rstrip().endswith("passed"), what="the verdict shown")
        assert steps_text(screen).count("✔") == 4
        view = screen.query_one(TrafficView)
        await eventually(lambda: view.virtual_size.height >= 2, what="the exchange in the log")
        assert any('<ping xmlns="urn:xmpp:ping"' in entry.xml for entry in screen.store)
        await pilot.press("ctrl+w")
        await eventually(lambda: not isinstance(app.screen, ScriptScreen), 30, "back to the console")
        assert all(not actor.session.online for actor in screen.script_run.actors.values())


async def test_a_failing_step_on_the_sandbox_shows_the_difference(prosody):
    alice = prosody.account("alice")
    account = Account(f"{alice.jid}/console", host=prosody.host, port=prosody.port, ca_file=prosody.ca_file)
    app = IqConsoleApp(account, connect_on_start=False, sandbox=prosody)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_script(app, pilot, DATA / "wrong_roster.scs")
        await pilot.press("f5")
        await eventually(lambda: screen.script_run.done, 30, "the script stopped")
        problem = str(screen.query_one("#script-problem", Static).render())
        assert "attribute subscription: expected 'both', received 'none'" in problem
        assert problem.count("<-- first mismatch") == 2
        assert "✖" in steps_text(screen) and steps_text(screen).rstrip().endswith("failed")
        await pilot.press("ctrl+w")
        await eventually(lambda: not isinstance(app.screen, ScriptScreen), 30, "back to the console")
    assert prosody.account("alice").password == alice.password, "the console's own account is left as it was"


async def test_a_script_outside_the_subset_is_not_opened(prosody, tmp_path):
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f11")
        await choose_path(app, pilot, DATA / "outside_subset.scs")
        await eventually(
            lambda: any("outside_subset.scs:11" in str(note.message) for note in app._notifications), what="the line"
        )
        assert not isinstance(app.screen, ScriptScreen)
