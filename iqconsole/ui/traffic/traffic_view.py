"""The live traffic log: one line per stanza, rendered only while on screen.

The store is the model; this view only knows how many entries there are. A timer notices
new entries (batched: at most one refresh per frame, whatever the flood), and `render_line`
highlights just the visible rows, with a small cache of rendered strips.
"""

from __future__ import annotations

import re
import time

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from iqconsole.core.traffic import Direction, Kind, PairState, TrafficEntry, TrafficStore
from iqconsole.ui.themes import role_styles
from iqconsole.ui.xml_text import highlight_xml

REFRESH_INTERVAL = 1 / 30
MAX_LINE_CHARS = 2000
_WHITESPACE_RUN = re.compile(r"\s*\n\s*")


def one_line(xml: str) -> str:
    """A stanza on one display line: newlines and the indentation around them collapse."""
    if len(xml) > MAX_LINE_CHARS:
        xml = xml[:MAX_LINE_CHARS] + f"… ({len(xml):,} chars)"
    return _WHITESPACE_RUN.sub(" ", xml) if "\n" in xml else xml


class TrafficView(ScrollView, can_focus=True):
    HELP = """\
# Traffic log

Every stanza in (`←`) and out (`→`), including what the library sends by itself: stream
headers, SASL, resource binding, keepalives. Credentials are redacted when captured.

The log follows new traffic while you are at the bottom; scroll up to stop following,
press **End** to follow again. Replies to your IQs show their round-trip time.
"""

    BINDINGS = [
        Binding("end", "follow", "Follow", id="traffic.follow", tooltip="Jump to the newest stanza and follow"),
        Binding("home", "oldest", "Oldest", id="traffic.oldest", tooltip="Jump to the oldest stanza kept"),
        Binding("up", "scroll_up", "Up", show=False, id="traffic.up"),
        Binding("down", "scroll_down", "Down", show=False, id="traffic.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="traffic.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="traffic.page-down"),
    ]

    following = reactive(True)

    def __init__(self, store: TrafficStore, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self._seen_total = -1
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}

    def on_mount(self) -> None:
        self._apply_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._apply_theme())
        self.set_interval(REFRESH_INTERVAL, self.take_new_entries)

    def _apply_theme(self) -> None:
        variables = self.app.theme_variables
        self._styles = role_styles(variables)
        self._styles["in"] = Style(color=variables.get("traffic-in"), bold=True)
        self._styles["out"] = Style(color=variables.get("traffic-out"), bold=True)
        self._styles["time"] = Style(color=variables.get("traffic-time"))
        self._strips.clear()
        self.refresh()

    def take_new_entries(self) -> None:
        """Called every frame: one cheap check, and one refresh however many stanzas came."""
        total = self.store.total
        if total == self._seen_total:
            return
        self._seen_total = total
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.store))
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.following = new >= self.max_scroll_y

    def action_follow(self) -> None:
        self.following = True
        self.scroll_end(animate=False)

    def action_oldest(self) -> None:
        self.following = False
        self.scroll_home(animate=False)

    def render_line(self, y: int) -> Strip:
        _scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self.store):
            return Strip.blank(width, self.rich_style)
        entry = self.store[index]
        pairing = self.store.pairing_of(entry) if entry.kind is Kind.IQ else None
        state = pairing.state if pairing is not None else None
        key = (entry.seq, width, state)
        strip = self._strips.get(key)
        if strip is None:
            text = self.line_text(entry)
            strip = Strip(list(text.render(self.app.console)), text.cell_len).crop_extend(0, width, self.rich_style)
            self._strips[key] = strip
        return strip

    def line_text(self, entry: TrafficEntry) -> Text:
        clock = time.strftime("%H:%M:%S", time.localtime(entry.wall)) + f".{int(entry.wall * 1000) % 1000:03d}"
        arrow = "←" if entry.direction is Direction.IN else "→"
        text = Text(no_wrap=True, end="")
        text.append(f"{clock} ", self._styles["time"])
        text.append(f"{arrow} ", self._styles[entry.direction.value])
        text.append_text(self._pairing_badge(entry))
        if entry.kind is Kind.KEEPALIVE:
            text.append("(whitespace keepalive)", self._styles["comment"])
        else:
            text.append_text(highlight_xml(one_line(entry.xml), self._styles))
        return text

    def _pairing_badge(self, entry: TrafficEntry) -> Text:
        pairing = self.store.pairing_of(entry) if entry.kind is Kind.IQ else None
        if pairing is None:
            return Text()
        if pairing.reply is entry and pairing.round_trip is not None:
            return Text(f"[{pairing.round_trip * 1000:.1f} ms] ", self._styles["comment"])
        if pairing.request is entry and pairing.state in (PairState.PENDING, PairState.TIMED_OUT):
            return Text(f"[{pairing.state.value}] ", self._styles["comment"])
        return Text()

    def plain_lines(self) -> list[str]:
        """Every kept entry as the view shows it, without colour."""
        return [self.line_text(entry).plain for entry in self.store]
