"""SVG snapshot of the traffic log with a filter applied and a stanza selected."""

from __future__ import annotations

from tests.ui.snapshot_app import footer_follows_focus, make_app, settle
from tests.ui.waiting import focused
from tests.xmpp_helpers import eventually

SIZE = (140, 40)


def test_log_with_a_filter_applied(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        traffic, bar, detail = app.query_one("#traffic"), app.query_one("#traffic-filter"), app.query_one("#detail")
        traffic.focus()
        await focused(traffic)
        await pilot.press("f")
        await focused(bar)
        bar.value = "kind:iq or kind:sasl"
        await pilot.press("enter")
        await eventually(lambda: "5 of 8 match" in traffic.border_subtitle, what="the filter applied")
        await focused(traffic)
        await pilot.press("up")
        await eventually(lambda: detail.shown_text.startswith("#6 sent"), what="the newest match in the detail")
        await eventually(lambda: footer_follows_focus(app.screen), what="the log's keys in the footer")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
