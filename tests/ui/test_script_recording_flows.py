"""`w` in the traffic log writes the session, or the part from the selected stanza on, as a
conversation script; the password is not in it, and a log without an account says why not."""

from __future__ import annotations

from iqconsole.core.account import Account
from iqconsole.core.scansion.script import Action, load_script
from iqconsole.core.traffic import Direction, Kind
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.ui.waiting import choose_path, focused
from tests.xmpp_helpers import eventually

SIZE = (150, 45)
OWN = "alice@localhost/console"


def app_with_a_session() -> IqConsoleApp:
    app = IqConsoleApp(Account(OWN), connect_on_start=False)
    app.store.own_jid = OWN
    for number in (1, 2):
        app.store.append(
            Direction.OUT,
            Kind.IQ,
            f'<iq type="get" id="p{number}" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>',
            stanza_id=f"p{number}",
            type="get",
            recipient="localhost",
        )
        app.store.append(
            Direction.IN,
            Kind.IQ,
            f'<iq type="result" id="p{number}" from="localhost" to="{OWN}"/>',
            stanza_id=f"p{number}",
            type="result",
            sender="localhost",
        )
    return app


async def save_script(app: IqConsoleApp, target, *keys: str) -> None:
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        view.focus()
        await focused(view)
        await eventually(lambda: view.virtual_size.height == len(app.store), what="the log drawn")
        await pilot.press(*keys, "w")
        await choose_path(app, pilot, target)
        await eventually(target.exists, what="the script written")


async def test_the_whole_session_becomes_a_script(tmp_path):
    target = tmp_path / "session.scs"
    await save_script(app_with_a_session(), target)
    script = load_script(target)
    assert list(script.characters) == ["Alice"]
    assert script.characters["Alice"].jid == "alice@localhost"
    assert script.characters["Alice"].password == ""
    assert [step.action for step in script.steps] == [
        Action.CONNECTS,
        *[Action.SENDS, Action.RECEIVES] * 2,
        Action.DISCONNECTS,
    ]
    assert 'to="${Alice\'s full JID}"' in script.steps[2].xml
    assert "IQCONSOLE_PASSWORD_ALICE" in target.read_text()


async def test_from_the_selected_stanza_on(tmp_path):
    target = tmp_path / "part.scs"
    await save_script(app_with_a_session(), target, "up", "up")  # the second ping's request
    steps = load_script(target).steps
    assert [step.action for step in steps] == [Action.CONNECTS, Action.SENDS, Action.RECEIVES, Action.DISCONNECTS]
    assert 'id="p2"' in steps[1].xml


async def test_the_range_from_the_marked_stanza_to_the_selected_one(tmp_path):
    target = tmp_path / "range.scs"
    app = app_with_a_session()
    await save_script(app, target, "up", "up", "up", "up", "m", "down")  # from the first ping to its reply
    steps = load_script(target).steps
    assert [step.action for step in steps] == [Action.CONNECTS, Action.SENDS, Action.RECEIVES, Action.DISCONNECTS]
    assert 'id="p1"' in steps[1].xml and 'id="p1"' in steps[2].xml


async def test_a_log_without_an_account_writes_nothing(tmp_path):
    app = app_with_a_session()
    app.store.own_jid = ""
    target = tmp_path / "none.scs"
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        view.focus()
        await focused(view)
        await pilot.press("w")
        await choose_path(app, pilot, target)
        await eventually(
            lambda: any("which account" in str(note.message) for note in app._notifications), what="the reason"
        )
    assert not target.exists()
