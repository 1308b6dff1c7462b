"""SVG snapshot of the traffic log with a filter applied and a stanza selected."""

from __future__ import annotations

from tests.ui.snapshot_app import make_app, settle

SIZE = (140, 40)


def test_log_with_a_filter_applied(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.query_one("#traffic").focus()
        await pilot.press("f")
        pilot.app.query_one("#traffic-filter").value = "kind:iq or kind:sasl"
        await pilot.press("enter")
        await pilot.press("up")
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
