"""SVG snapshot of the responders pane with every kind of match and reply."""

from __future__ import annotations

from tests.ui.snapshot_app import make_app, settle

SIZE = (140, 40)


def test_responders_pane_with_every_kind(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        responders = pilot.app.responders
        responders.add("slow-version", "iq@type=get/software_version", "<query xmlns='jabber:iq:version'/>", delay_ms=250)
        responders.add("deny-writes", "iq[@type='set']/{urn:example:custom}query", match_kind="xpath", error="not-allowed")
        responders.add("black-hole", "<iq type='get'><query xmlns='jabber:iq:last'/></iq>", match_kind="mask", silent=True)
        responders.set_enabled("black-hole", False)
        pong = responders.get("pong")
        pong.hits, pong.last_hit = 3, 1_700_000_000.0
        responders.set_enabled("pong", True)  # a change the table notices
        pilot.app.query_one("#responders").focus()
        await pilot.pause(0.4)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
