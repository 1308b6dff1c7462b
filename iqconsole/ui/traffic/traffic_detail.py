"""The selected stanza in full: indented and highlighted, with its pairing and timing.

Drawn line by line, like the log: the text is wrapped into rows once per width (a cheap pass
over its lines), and only the rows on screen are highlighted and rendered, so a stanza of
thousands of lines costs what one screenful costs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.cells import chop_cells
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from iqconsole.core.explain import specification_of
from iqconsole.core.pretty import pretty_xml, raw_xml
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.traffic import Direction, TrafficEntry, TrafficStore
from iqconsole.ui.screens.explain_screen import explain_in
from iqconsole.ui.themes import role_styles
from iqconsole.ui.xml_text import highlight_xml

PLACEHOLDER = "Select a stanza in the traffic log (↑/↓) to read it here."
# A wrapped row is highlighted from the tag it starts in, looked for this far back.
_TAG_CONTEXT = 2048


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    style: str | None = None  # None: XML, highlighted; otherwise the style of a heading line


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    start: int
    end: int


def _wrapped(line: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each row that `line` takes at `width` cells."""
    if len(line) <= width and line.isascii():
        return [(0, len(line))]
    if line.isascii():
        return [(start, min(start + width, len(line))) for start in range(0, len(line), width)]
    rows, start = [], 0
    for piece in chop_cells(line, width):
        rows.append((start, start + len(piece)))
        start += len(piece)
    return rows or [(0, 0)]


class TrafficDetail(ScrollView, can_focus=True):
    HELP = """\
# Stanza detail

The stanza selected in the traffic log (↑/↓ there), indented and highlighted, with long text
(base64 avatars, file data) folded to its start and its length. **r** shows the raw form as
captured, and back. With nothing selected it shows the reply to the last request you sent.
Secrets stay redacted; **Shift+S** shows them in this pane only (a red warning says so), for
debugging your own authentication. The log, copies and exports always stay redacted.
**F6** explains the stanza beside its XML. The heading names the specification it belongs to.
Control characters from the server are shown (`␛`, `\\x9b`), never sent to the terminal; a
huge stanza is shown up to a cut that says its size (**c** in the log copies all of it).
"""

    BINDINGS = [
        Binding("r", "toggle_raw", "Raw/pretty", id="detail.raw", tooltip="Show the stanza as captured, or indented"),
        Binding(
            "f6",
            "explain",
            "Explain",
            id="detail.explain",
            tooltip="Explain this stanza: its kind, attributes, payload, exchange and error",
        ),
        Binding(
            "S",
            "toggle_secrets",
            "Secrets",
            id="detail.secrets",
            tooltip="Show or hide redacted secrets (SASL, passwords) here",
        ),
    ]

    entry: reactive[TrafficEntry | None] = reactive(None)
    raw = reactive(False)
    show_secrets = reactive(False)

    def __init__(self, store: TrafficStore, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self._lines: list[_Line] = [_Line(PLACEHOLDER, "")]
        self._rows: list[_Row] = []
        self._wrapped_at = 0
        self._styles: dict[str, Style] = {}
        self._base_style = Style()
        self._strips: LRUCache[tuple[int, int], Strip] = LRUCache(512)

    def on_mount(self) -> None:
        self._apply_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._apply_theme())

    def _apply_theme(self) -> None:
        self._styles = role_styles(self.app.theme_variables)
        self._strips.clear()
        self.refresh()

    @property
    def shown_text(self) -> str:
        """Everything the pane shows, without colour (what scrolling reveals included)."""
        return "\n".join(line.text for line in self._lines)

    def watch_entry(self, entry: TrafficEntry | None) -> None:
        if entry is None:
            return
        heading = [_Line(self._heading(entry), "bold")]
        secret = self.store.secret_of(entry) if self.show_secrets else None
        if secret is not None:
            heading.append(_Line("⚠ SECRETS SHOWN (Shift+S hides them)", "bold reverse red"))
        xml = secret if secret is not None else entry.xml
        body = terminal_safe(raw_xml(xml) if self.raw else pretty_xml(xml))
        self._lines = heading + [_Line(text) for text in body.split("\n")]
        self._wrap()
        self.scroll_home(animate=False)

    def on_resize(self, _event: Resize) -> None:
        self._wrap()

    def _wrap(self) -> None:
        """Split the lines into rows of the pane's width; rendering waits until a row is shown."""
        width = self.scrollable_content_region.width
        if width <= 0:  # not laid out yet: the first frame wraps
            return
        self._rows = [
            _Row(index, start, end)
            for index, line in enumerate(self._lines)
            for start, end in _wrapped(line.text, width)
        ]
        self._wrapped_at = width
        self._strips.clear()
        self.virtual_size = Size(width, len(self._rows))
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base_style = self.rich_style  # costly to compute: once per frame, not per row
        if self.scrollable_content_region.width != self._wrapped_at:
            self._wrap()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        number = int(self.scroll_offset.y) + y
        if number >= len(self._rows):
            return Strip.blank(width, self._base_style)
        strip = self._strips.get((number, width))
        if strip is None:
            text = self._row_text(self._rows[number])
            strip = Strip(list(text.render(self.app.console)), text.cell_len).crop_extend(0, width, self._base_style)
            self._strips[(number, width)] = strip
        return strip

    def _row_text(self, row: _Row) -> Text:
        line = self._lines[row.line]
        if line.style is not None:
            return Text(line.text[row.start : row.end], style=line.style, no_wrap=True, end="")
        # Highlight from the tag the row starts in, so a wrapped attribute keeps its colour.
        context = line.text.rfind("<", max(0, row.start - _TAG_CONTEXT), row.start + 1)
        context = row.start if context < 0 else context
        return highlight_xml(line.text[context : row.end], self._styles)[row.start - context :]

    def watch_raw(self) -> None:
        self.watch_entry(self.entry)

    def watch_show_secrets(self, shown: bool) -> None:
        self.border_subtitle = "⚠ secrets shown" if shown else ""
        self.watch_entry(self.entry)

    def action_toggle_secrets(self) -> None:
        self.show_secrets = not self.show_secrets

    def action_explain(self) -> None:
        explain_in(self.app, self.entry, self.store)

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw

    def _heading(self, entry: TrafficEntry) -> str:
        moment = time.strftime("%H:%M:%S", time.localtime(entry.wall))
        way = "received" if entry.direction is Direction.IN else "sent"
        parts = [f"#{entry.seq} {way} {moment}", entry.kind.value, f"{entry.size:,} chars"]
        specification = specification_of(entry)
        if specification:
            parts.insert(2, specification)
        pairing = self.store.pairing_of(entry)
        if pairing is not None:
            if pairing.reply is entry and pairing.round_trip is not None:
                parts.append(f"reply to #{pairing.request.seq} after {pairing.round_trip * 1000:.1f} ms")
            elif pairing.reply is not None:
                parts.append(f"{pairing.state.value} by #{pairing.reply.seq}")
            else:
                parts.append(pairing.state.value)
        if entry.redacted and not self.show_secrets:
            parts.append("secrets redacted (Shift+S shows)")
        parts.append("raw" if self.raw else "pretty (r: raw)")
        return " · ".join(parts)
