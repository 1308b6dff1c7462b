"""Screen updates render only what they update.

For a partial update (a caret moved, a log row came) Textual's compositor asks every widget whose
container overlaps the union of the changed regions for all its visible lines, then keeps the
changed ones: one moved caret re-rendered ten widgets, a third of a key press, and a status bar
changing with the log re-rendered the composer too. Here only the widgets inside a changed region
render, and only the rows of the regions they touch (whole lines: Textual cuts a line at widgets'
edges, so a widget is drawn whole across), and not a widget that those in front hide there (a
moved caret rendered the editor, then its pane, the row of panes and the screen behind it). What
the update shows is the same; a full update is Textual's own.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

_textual_get_renders = Compositor._get_renders
_textual_render_partial_update = Compositor.render_partial_update
_updating: dict[int, list[Region]] = {}  # the changed regions of the update being rendered, by compositor


def _render_partial_update(self: Compositor) -> ChopsUpdate | None:
    _updating[id(self)] = list(self._dirty_regions)
    try:
        return _textual_render_partial_update(self)
    finally:
        del _updating[id(self)]


def _get_renders(self: Compositor, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
    changed = _updating.get(id(self))
    if not crop or not changed:
        yield from _textual_get_renders(self, crop)
        return
    _rich_traceback_guard = True  # Textual's marker: a widget's render error hides these frames
    intersection = Region.intersection
    in_front: list[Region] = []  # what the widgets rendered so far show (front to back)
    for widget, (region, clip) in self.visible_widgets.items():
        shown = intersection(region, clip)
        touched = [update for update in changed if update.overlaps(shown)]
        if not touched:
            continue  # nothing of it is in the update
        if all(_covered(intersection(update, shown), in_front) for update in touched):
            continue  # hidden there by a widget in front (the panes behind a moved caret)
        in_front.append(shown)
        top = min(update.y for update in touched)
        bottom = max(update.bottom for update in touched)
        clip = intersection(clip, Region(clip.x, top, clip.width, bottom - top))
        x, y, width, height = intersection(region, clip)
        if width and height:
            yield region, clip, widget.render_lines(Region(x - region.x, y - region.y, width, height))


def _covered(part: Region, in_front: list[Region]) -> bool:
    """Whether one widget in front shows all of `part` (it renders the rows it touches whole)."""
    return any(front.contains_region(part) for front in in_front)


def render_only_updates() -> None:
    """Install the narrowed rendering (idempotent)."""
    Compositor._get_renders = _get_renders  # type: ignore[method-assign]
    Compositor.render_partial_update = _render_partial_update  # type: ignore[method-assign]
