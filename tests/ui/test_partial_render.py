"""Partial screen updates (partial_render) draw exactly what Textual's own would."""

from __future__ import annotations

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region

from iqconsole.ui import partial_render
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.ui.test_traffic_flows import app_with_pairs, drawn
from tests.ui.waiting import focused
from tests.xmpp_helpers import eventually

SIZE = (120, 40)
UPDATES = [  # the regions one screen update changes, as widgets mark them
    [Region(5, 3, 40, 1)],  # one row of the editor
    [Region(70, 10, 30, 1)],  # one row of the log
    [Region(0, 10, 120, 5)],  # rows across every pane
    [Region(50, 20, 40, 12)],  # a block across the panes' border
    [Region(0, 0, 120, 1), Region(62, 2, 56, 30)],  # the status bar and the log
    [Region(3, 5, 10, 2), Region(80, 30, 5, 3), Region(0, SIZE[1] - 1, 120, 1)],  # editor, log, footer
]


def painted(update: ChopsUpdate | None) -> dict[tuple[int, int], tuple[str, object]]:
    """What the update writes to the terminal: character and style by (x, y), within its spans."""
    assert update is not None
    cells: dict[tuple[int, int], tuple[str, object]] = {}
    for y, first, end in update.spans:
        for cut, strip in update.chops[y].items():
            x = cut
            for segment in strip or ():
                for character in segment.text:
                    if first <= x < end:
                        cells[x, y] = (character, segment.style)
                    x += 1
    return cells


async def test_a_partial_update_draws_what_textual_draws(monkeypatch):
    app = app_with_pairs("p", 30)
    async with app.run_test(size=SIZE):
        view = app.query_one(TrafficView)
        view.focus()
        await focused(view)
        await drawn(view, len(app.store))
        compositor = app.screen._compositor
        footer = SIZE[1] - 1
        await eventually(lambda: bool(compositor.render_strips()[footer].text.strip()), what="the footer's keys")

        def render(regions: list[Region]) -> dict[tuple[int, int], tuple[str, object]]:
            compositor._dirty_regions = set(regions)
            return painted(compositor.render_partial_update())

        narrowed = [render(regions) for regions in UPDATES]
        monkeypatch.setattr(Compositor, "_get_renders", partial_render._textual_get_renders)
        monkeypatch.setattr(Compositor, "render_partial_update", partial_render._textual_render_partial_update)
        textual = [render(regions) for regions in UPDATES]
    for regions, ours, theirs in zip(UPDATES, narrowed, textual, strict=True):
        assert sum(region.area for region in regions) <= len(theirs), "every changed cell is written"
        assert ours == theirs, f"the update of {regions} differs"
        assert any(character.strip() for character, _style in ours.values()), f"{regions} drew something"
