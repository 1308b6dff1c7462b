"""Partial screen updates (partial_render) draw exactly what Textual's own would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

from iqconsole.ui import partial_render
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.ui.test_traffic_flows import app_with_pairs, drawn
from tests.ui.waiting import focused
from tests.xmpp_helpers import eventually

SIZE = (120, 40)
CROPS = [
    Region(5, 3, 40, 1),  # one row of the editor
    Region(70, 10, 30, 1),  # one row of the log
    Region(0, 10, 120, 5),  # rows across every pane
    Region(50, 20, 40, 12),  # a block across the panes' border
    Region(0, 0, 120, 1),  # the status bar
    Region(0, SIZE[1] - 1, 120, 1),  # the footer
]


def painted(chops: Sequence[Mapping[int, Strip | None]], crop: Region) -> list[list[tuple[str, object]]]:
    """What each cell of `crop` shows: the character and its style."""
    rows = []
    for y in crop.line_range:
        cells: dict[int, tuple[str, object]] = {}
        for cut, strip in chops[y].items():
            x = cut
            for segment in strip or ():
                for character in segment.text:
                    cells[x] = (character, segment.style)
                    x += 1
        rows.append([cells.get(x, ("", None)) for x in range(crop.x, crop.right)])
    return rows


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
        narrowed = [painted(compositor._render_chops(crop, lambda _y: True), crop) for crop in CROPS]
        monkeypatch.setattr(Compositor, "_get_renders", partial_render._textual_get_renders)
        textual = [painted(compositor._render_chops(crop, lambda _y: True), crop) for crop in CROPS]
    for crop, ours, theirs in zip(CROPS, narrowed, textual, strict=True):
        assert ours == theirs, f"the update of {crop} differs"
        assert any(character.strip() for row in ours for character, _style in row), f"{crop} drew something"
