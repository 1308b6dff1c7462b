"""SVG snapshot of the script screen (F11): a script stopped at a failing step, the difference
under its steps and the characters' stanzas in the log. No network: the state is set by hand."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from iqconsole.core.scansion.match import mismatch
from iqconsole.core.scansion.run import ScriptRun, ServerAddress, StepResult
from iqconsole.core.scansion.script import load_script, parse_xml
from iqconsole.core.scansion.xml_lines import xml_lines
from iqconsole.core.traffic import Direction, Kind, TrafficStore
from iqconsole.ui.screens.script_screen import ScriptScreen
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.ui.snapshot_app import make_app, settle
from tests.ui.waiting import shown
from tests.xmpp_helpers import eventually

SIZE = (140, 40)
SCRIPT = Path(__file__).parents[1] / "data" / "scansion" / "wrong_roster.scs"
RECEIVED = (
    '<iq type="result" id="get1" to="romeo@localhost/snap"><query xmlns="jabber:iq:roster" ver="1">'
    '<item jid="nurse@localhost" name="Nurse" subscription="none"/></query></iq>'
)


def stopped_run() -> tuple[ScriptRun, TrafficStore]:
    # The path as in the repository: the screen shows it, and a clone's folder must not change it.
    script = replace(load_script(SCRIPT), path=Path("tests/data/scansion/wrong_roster.scs"))
    store = TrafficStore()
    run = ScriptRun(script, {"Romeo": "not used"}, ServerAddress(), mirror=store)
    for number, step in enumerate(script.steps[:4]):
        run.result.steps.append(StepResult(step, True, 0.002 + number * 0.001))
    expected, received = parse_xml(script.steps[4].xml)[0], parse_xml(RECEIVED)[0]
    found = mismatch(expected, received)
    assert found is not None
    details = ["expected:", *xml_lines(expected, found.expected), "received:", *xml_lines(received, found.received)]
    run.result.steps.append(
        StepResult(script.steps[4], False, 0.004, f"at {found.path}: {found.reason}", tuple(details))
    )
    for tick, (direction, xml) in enumerate(
        [
            (Direction.OUT, script.steps[1].xml),
            (Direction.IN, '<iq type="result" id="add1"/>'),
            (Direction.OUT, script.steps[3].xml),
            (Direction.IN, RECEIVED),
        ]
    ):
        store.append(direction, Kind.IQ, xml, at=(1000.0 + tick * 0.003, 1_700_000_000.0 + tick * 0.003))
    return run, store


def test_a_failed_step(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        run, store = stopped_run()
        pilot.app.push_screen(ScriptScreen(run, store))
        screen = await shown(pilot.app, ScriptScreen)
        view = screen.query_one(TrafficView)
        await eventually(lambda: view.virtual_size.height == 4, what="the stanzas in the log")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
