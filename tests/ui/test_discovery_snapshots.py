"""The discovery browser as it looks: the server opened, a component's features and info form,
a room list cut to a page (recorded replies, no network)."""

from __future__ import annotations

from iqconsole.core.discovery import Discovery
from iqconsole.ui.discovery.discovery_screen import DiscoveryScreen
from iqconsole.ui.discovery.discovery_tree import Feature, Form, Heading
from tests.ui.snapshot_app import RecordedDiscovery, make_app, settle
from tests.ui.test_discovery_flows import child, entity_under, opened
from tests.ui.waiting import shown
from tests.xmpp_helpers import eventually

SIZE = (120, 40)


def test_the_discovery_browser(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        app.discovery = Discovery(RecordedDiscovery(), page_size=3)
        await pilot.press("f8")
        screen = await shown(app, DiscoveryScreen)
        tree = screen.entities
        server = entity_under(tree.root, "localhost")
        await opened(server)
        upload = entity_under(server, "upload.localhost")
        conference = entity_under(server, "conference.localhost")
        upload.expand()
        conference.expand()
        await opened(upload)
        await opened(conference)
        features = child(upload, lambda data: isinstance(data, Heading))
        features.expand()
        child(upload, lambda data: isinstance(data, Form)).expand()
        feature = child(features, lambda data: isinstance(data, Feature))
        await eventually(lambda: feature.line >= 0, what="the features drawn")
        tree.move_cursor(feature)
        detail = screen.query_one("#discovery-detail")
        await eventually(lambda: "XEP-0363" in str(detail.render()), what="the feature described")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
