"""Screen updates render only what they update.

For a partial update (a caret moved, a log row came) Textual's compositor asks every widget whose
container overlaps the changed region for all its visible lines, then keeps the changed ones: one
moved caret re-rendered ten widgets, a third of a key press. Here only the widgets inside the
changed region render, and only its rows (whole lines: Textual cuts a line at widgets' edges).
What the update shows is the same; a full update (crop None) is Textual's own.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

_textual_get_renders = Compositor._get_renders


def _get_renders(self: Compositor, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
    if not crop:
        yield from _textual_get_renders(self, crop)
        return
    _rich_traceback_guard = True  # Textual's marker: a widget's render error hides these frames
    intersection = Region.intersection
    overlaps = crop.overlaps
    for widget, (region, clip) in self.visible_widgets.items():
        if not overlaps(intersection(region, clip)):
            continue  # nothing of it is in the update
        # Only the rows of the update; whole widths, since a line is cut at the widgets' edges.
        clip = intersection(clip, Region(clip.x, crop.y, clip.width, crop.height))
        x, y, width, height = intersection(region, clip)
        if width and height:
            yield region, clip, widget.render_lines(Region(x - region.x, y - region.y, width, height))


def render_only_updates() -> None:
    """Install the narrowed rendering (idempotent)."""
    Compositor._get_renders = _get_renders  # type: ignore[method-assign]
