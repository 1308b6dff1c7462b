"""SVG snapshot of the responders pane with every kind of match and reply."""

from __future__ import annotations

from tests.ui.snapshot_app import footer_follows_focus, make_app, settle
from tests.ui.waiting import focused
from tests.xmpp_helpers import eventually

SIZE = (140, 40)


def test_responders_pane_with_every_kind(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        responders = pilot.app.responders
        responders.add(
            "slow-version", "iq@type=get/software_version", "<query xmlns='jabber:iq:version'/>", delay_ms=250
        )
        responders.add(
            "deny-writes", "iq[@type='set']/{urn:example:custom}query", match_kind="xpath", error="not-allowed"
        )
        responders.add(
            "black-hole", "<iq type='get'><query xmlns='jabber:iq:last'/></iq>", match_kind="mask", silent=True
        )
        responders.set_enabled("black-hole", False)
        pong = responders.get("pong")
        pong.hits, pong.last_hit = 3, 1_700_000_000.0
        responders.set_enabled("pong", True)  # a change the table notices
        table = pilot.app.query_one("#responders")
        table.focus()
        await eventually(
            lambda: table.row_count == 5 and table.get_row("pong")[5] == "3" and table.get_row("black-hole")[4] == "✘",
            what="the table showing every change",
        )
        await focused(table)
        await eventually(lambda: footer_follows_focus(pilot.app.screen), what="the responders' keys in the footer")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
