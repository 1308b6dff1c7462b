"""The live traffic log: one line per stanza, rendered only while on screen.

The store is the model; this view only knows how many entries there are. The store tells it
when entries come or a request stops waiting (batched: at most one refresh per frame, a few per
second in a flood), and `render_line` highlights just the visible rows, with a small cache of
rendered strips.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from iqconsole.core.locations import data_dir, state_dir
from iqconsole.core.private_files import write_atomically
from iqconsole.core.scansion.record import record_script
from iqconsole.core.stanza import error_condition
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.traffic import Direction, Kind, PairState, TrafficEntry, TrafficStore
from iqconsole.core.traffic_export import write_jsonl, write_xml
from iqconsole.core.traffic_filter import TrafficFilter, find_next
from iqconsole.core.traffic_rows import TrafficRows, is_noise
from iqconsole.core.traffic_summary import entry_summary, short
from iqconsole.ui.bindings_here import BindingsHere
from iqconsole.ui.frame_updates import FrameUpdates
from iqconsole.ui.screens.confirm_screen import ConfirmScreen
from iqconsole.ui.screens.diff_screen import DiffScreen
from iqconsole.ui.screens.explain_screen import explain_in
from iqconsole.ui.screens.help_screen import declared_bindings
from iqconsole.ui.screens.path_screen import PathScreen
from iqconsole.ui.themes import role_styles
from iqconsole.ui.xml_text import xml_runs

FLOOD_BATCH = 20  # new stanzas since the last redraw that count as a flood (600 a second at 30 frames)
FLOOD_INTERVAL = 0.2
MAX_LINE_CHARS = 600  # wider than any terminal row: only what can be seen is highlighted
_WHITESPACE_RUN = re.compile(r"\s*\n\s*")


def one_line(xml: str) -> str:
    """A stanza on one display line: newlines and the indentation around them collapse."""
    if len(xml) > MAX_LINE_CHARS:
        xml = xml[:MAX_LINE_CHARS] + f"… ({len(xml):,} chars)"
    return _WHITESPACE_RUN.sub(" ", xml) if "\n" in xml else xml


class TrafficView(BindingsHere, ScrollView, can_focus=True):
    HELP = """\
# Traffic log

Every stanza in (`←`) and out (`→`), including what the library sends by itself: stream
headers, SASL, resource binding, keepalives. Credentials are redacted when captured.

Each line: time, direction, kind and type, the peer, the id, the payload namespace (with
its XEP), the size, then the stanza itself. **↑/↓** select a stanza and show it in full in
the detail pane below. The log follows new traffic while you are at the bottom; scrolling up
or selecting stops following and the border counts what is new; **End** or **Esc** follows
again. Replies show their round-trip time; requests without a reply show `[pending]`,
`[timed out]` or `[cancelled]`; **p** jumps between a request and its reply. **n** hides the noise
(keepalives, stream-level elements, stream management acks): they are counted, not lost.
A responder's hit is marked `[⚑ name]`.

**f** filters the log and **/** searches it (then **]**/**[** for the next/previous match),
with one expression language (see the README): `kind:iq type:get`, `jid:bob@example.org`,
`ns:disco or id:abc`, `-kind:presence`, `xpath:"iq/{urn:xmpp:ping}ping"`, free text.
**F6** explains the selected stanza: what it is for, its attributes, its payload's specification,
the reply it expects or answers, and what an error means. **m** marks the selected stanza
(`[◆ marked]`); select another and **d** compares the two (the same disco#info from two
servers or accounts), namespaces and attribute order normalised, ids and timestamps ignored
or not. **c** copies the selected stanza, **x** exports the log, or its filtered part, as JSON Lines
(open it again with `iqconsole view FILE`) or XML. Secrets stay redacted in both. **w** writes
the session as a conversation script that `iqconsole script FILE` replays and checks: all of it,
from the selected stanza on, or the range from the marked stanza to the selected one.
"""

    BINDINGS = [
        Binding("end", "follow", "Follow", id="traffic.follow", tooltip="Jump to the newest stanza and follow"),
        Binding("home", "oldest", "Oldest", show=False, id="traffic.oldest", tooltip="Select the oldest stanza kept"),
        Binding(
            "up", "select(-1)", "Previous", show=False, id="traffic.previous", tooltip="Select the previous stanza"
        ),
        Binding("down", "select(1)", "Next", show=False, id="traffic.next", tooltip="Select the next stanza"),
        Binding(
            "escape", "follow", "Unselect", show=False, id="traffic.unselect", tooltip="Clear the selection and follow"
        ),
        Binding("pageup", "page_up", "Page up", show=False, id="traffic.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="traffic.page-down"),
        Binding("p", "pair", "Request/reply", id="traffic.pair", tooltip="Jump between a request and its reply"),
        Binding(
            "n",
            "toggle_noise",
            "Noise",
            id="traffic.noise",
            tooltip="Hide or show keepalives, stream elements and SM acks",
        ),
        Binding("f", "open_bar('filter')", "Filter…", id="traffic.filter", tooltip="Filter the log with an expression"),
        Binding("slash", "open_bar('search')", "Search…", id="traffic.search", tooltip="Search the log"),
        Binding("c", "copy", "Copy", id="traffic.copy", tooltip="Copy the selected stanza (OSC 52, and a file)"),
        Binding(
            "f6",
            "explain",
            "Explain",
            id="traffic.explain",
            tooltip="Explain the selected stanza: its kind, attributes, payload, exchange and error",
        ),
        Binding(
            "m",
            "mark",
            "Mark",
            show=False,
            id="traffic.mark",
            tooltip="Mark the selected stanza (again: unmark): d compares another with it, w saves from it as a script",
        ),
        Binding(
            "d",
            "compare",
            "Compare",
            show=False,
            id="traffic.compare",
            tooltip="Compare the selected stanza with the marked one",
        ),
        Binding(
            "x",
            "export",
            "Export…",
            id="traffic.export",
            tooltip="Export the log (or the filtered part) as JSON Lines or XML",
        ),
        Binding(
            "w",
            "save_script",
            "Save as script…",
            show=False,
            id="traffic.save-script",
            tooltip="Write the session (or its marked range, or from the selected stanza on) as a conversation script",
        ),
        Binding(
            "right_square_bracket",
            "find(False)",
            "Next match",
            show=False,
            id="traffic.next-match",
            tooltip="Select the next search match",
        ),
        Binding(
            "left_square_bracket",
            "find(True)",
            "Previous match",
            show=False,
            id="traffic.previous-match",
            tooltip="Select the previous search match",
        ),
    ]

    following = reactive(True)
    selected: reactive[int | None] = reactive(None)
    marked: reactive[int | None] = reactive(None)  # the entry a comparison or a script range starts from
    hide_noise = reactive(False)
    only_account: reactive[str | None] = reactive(None)  # None: every account's traffic
    unseen = reactive(0)

    @dataclass
    class BarRequested(Message):
        """Open the filter or search bar above the log."""

        mode: str

    @dataclass
    class Selected(Message):
        """The user selected an entry (None: the selection was cleared)."""

        entry: TrafficEntry | None

    def __init__(self, store: TrafficStore, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.rows = TrafficRows(store)
        self.user_filter: TrafficFilter | None = None
        self.search: TrafficFilter | None = None
        self._seen_total = -1
        self._row_style = Style()
        self._row_width = 0
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._updates = FrameUpdates(self, self.take_new_entries)
        self.account_width = 0  # the account column's width (0: one account, no column)

    def on_mount(self) -> None:
        self._apply_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._apply_theme())
        self._updates.follow(self.store.changed)
        self._updates.notify()  # what the store holds already (a recorded log)

    def on_unmount(self) -> None:
        self._updates.stop()

    def _apply_theme(self) -> None:
        variables = self.app.theme_variables
        self._styles = role_styles(variables)
        self._styles["in"] = Style(color=variables.get("traffic-in"), bold=True)
        self._styles["out"] = Style(color=variables.get("traffic-out"), bold=True)
        self._styles["time"] = Style(color=variables.get("traffic-time"))
        self._styles["error"] = Style(color=variables.get("error"), bold=True)
        self._styles["summary"] = Style(color=variables.get("traffic-time"), italic=True)
        self._styles["account"] = Style(color=variables.get("accent"), bold=True)
        self._styles["selected"] = Style(bgcolor=variables.get("primary-darken-3", "#333333"), bold=True)
        self._strips.clear()
        self.refresh()

    def take_new_entries(self) -> None:
        """After the store changed: one refresh however many stanzas came."""
        total = self.store.total
        if total == self._seen_total:  # no new entry: a request stopped waiting, its row says so
            self.refresh()
            return
        if total - self._seen_total > FLOOD_BATCH and self._updates.too_soon(FLOOD_INTERVAL):
            return  # a flood: redraw a few times a second, not every frame, and keep keys snappy
        self._updates.mark_shown()
        self._seen_total = total
        added = self.rows.update()
        self._show_rows()
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
            # Again once laid out: the first scrollbar narrows the view and the tail moves.
            self.call_after_refresh(self._keep_tail)
        else:
            self.unseen += added
        self.refresh()

    def _show_rows(self) -> None:
        region = self.scrollable_content_region
        size = Size(region.width, len(self.rows))
        old = self.virtual_size
        if size.width == old.width and min(size.height, old.height) > region.height and self.show_vertical_scrollbar:
            # More rows under a scrollbar already shown: only the scrollbar changes, not the
            # layout of the screen (a full reflow at every frame of a flood, a quarter of its cost).
            self.set_reactive(TrafficView.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        parts = [f"{self.unseen:,} new · End follows"] if self.unseen else []
        if self.user_filter is not None:
            parts.append(f"{len(self.rows):,} of {len(self.store):,} match")
        if self.hide_noise:
            parts.append(f"{self.rows.hidden:,} noise hidden · n shows")
        if self.only_account is not None:
            parts.append(f"{self.only_account} only")
        self.border_subtitle = " · ".join(parts)

    def watch_unseen(self) -> None:
        self._update_subtitle()

    def watch_hide_noise(self) -> None:
        self._apply_filters()

    def watch_only_account(self) -> None:
        self._apply_filters()

    def show_accounts(self, names: Sequence[str]) -> None:
        """Several accounts share this log: each row names its account, in a column this wide."""
        self.account_width = max(map(len, names), default=0)
        self._strips.clear()
        self.refresh()

    def set_filter(self, user_filter: TrafficFilter | None) -> None:
        """Narrow the log to what matches (everything kept so far, and what comes next)."""
        self.user_filter = user_filter
        self._apply_filters()

    def _apply_filters(self) -> None:
        checks: list[Callable[[TrafficEntry], bool]] = []
        if self.hide_noise:
            checks.append(lambda entry: not is_noise(entry))
        if self.user_filter is not None:
            checks.append(self.user_filter.matches)
        if (account := self.only_account) is not None:
            checks.append(lambda entry: entry.account == account)
        if len(checks) > 1:
            self.rows.predicate = lambda entry: all(check(entry) for check in checks)
        else:
            self.rows.predicate = checks[0] if checks else None
        self._show_rows()
        self._strips.clear()
        self._reveal_selection_or_tail()

    def action_open_bar(self, mode: str) -> None:
        self.post_message(self.BarRequested(mode))

    def action_find(self, backwards: bool) -> None:
        """Select the next (or previous) shown entry that matches the search."""
        if self.search is None:
            self.post_message(self.BarRequested("search"))
            return
        entries = self.store.entries
        current = self.selected_entry
        index = (current.seq - self.store.first_seq) if current is not None else (len(entries) if backwards else -1)
        step = -1 if backwards else 1
        while (found := find_next(entries, self.search, index + step, backwards)) is not None:
            row = self.rows.row_of(entries[found].seq)
            if row is not None:
                self._select_row(row)
                return
            index = found
        self.notify("No more matches" + (" above." if backwards else " below."), severity="warning")

    def action_explain(self) -> None:
        explain_in(self.app, self.selected_entry, self.store)

    def action_mark(self) -> None:
        entry = self.selected_entry
        if entry is None:
            self.notify("Select a stanza first (↑/↓).", severity="warning")
            return
        if self.marked == entry.seq:
            self.marked = None
            self.notify(f"#{entry.seq} is no longer marked.")
            return
        self.marked = entry.seq
        compare, save = self._key("traffic.compare"), self._key("traffic.save-script")
        self.notify(
            f"Marked #{entry.seq}: select another stanza, then {compare} compares the two, {save} saves the range as a script."
        )

    def action_compare(self) -> None:
        marked = None if self.marked is None else self.store.by_seq(self.marked)
        entry = self.selected_entry
        if marked is None:
            gone = " (the marked one is no longer kept)" if self.marked is not None else ""
            self.notify(f"Mark a stanza first with {self._key('traffic.mark')}{gone}.", severity="warning")
        elif entry is None or entry is marked:
            self.notify(f"Select another stanza than the marked #{marked.seq} (↑/↓).", severity="warning")
        else:
            self.app.push_screen(DiffScreen(marked, entry))

    def _key(self, binding_id: str) -> str:
        """The key of one of the log's bindings as the footer shows it (the user's keymap wins)."""
        rebound = getattr(self.app, "keymap", {}).get(binding_id)
        keys = rebound or next(binding.key for binding in declared_bindings(self) if binding.id == binding_id)
        return self.app.get_key_display(Binding(keys.split(",")[0].strip(), ""))

    def watch_marked(self) -> None:
        self.refresh()

    def action_copy(self) -> None:
        entry = self.selected_entry
        if entry is None:
            self.notify("Select a stanza first (↑/↓).", severity="warning")
            return
        self.app.copy_to_clipboard(entry.xml)
        fallback = state_dir() / "clipboard.xml"
        try:
            write_atomically(fallback, entry.xml + "\n")
            where = f"; also in {fallback}"
        except OSError:
            where = ""
        self.notify(f"Copied #{entry.seq} ({entry.size:,} chars) through the terminal (OSC 52){where}.")

    def action_export(self) -> None:
        default = data_dir() / "exports" / time.strftime("traffic-%Y%m%d-%H%M%S.jsonl")
        title = (
            "Export the filtered log to (.jsonl or .xml)" if self.user_filter else "Export the log to (.jsonl or .xml)"
        )
        self.app.push_screen(
            PathScreen(title, default), lambda path: self._confirm_then(path, lambda: self._write_export(path))
        )

    def _write_export(self, path: Path) -> None:
        writer = write_xml if path.suffix == ".xml" else write_jsonl
        try:
            count = writer(path, self.store, self.user_filter)
        except OSError as error:
            self.notify(f"{path}: {error.strerror or error}", title="Not exported", severity="error")
            return
        self.notify(f"{count:,} stanzas exported to {path} (secrets stay redacted)", title="Exported")

    def action_save_script(self) -> None:
        """The range from the mark to the selected stanza, or from either of them on, or all."""
        ends = [seq for seq in (self.marked, self.selected) if seq is not None]
        first = min(ends) if ends else self.store.first_seq
        last = max(ends) if len(ends) == 2 else None
        part = "the whole session" if not ends else f"from #{first} on" if last is None else f"#{first} to #{last}"
        default = data_dir() / "scripts" / time.strftime("session-%Y%m%d-%H%M%S.scs")
        self.app.push_screen(
            PathScreen(f"Save {part} as a conversation script (.scs)", default),
            lambda path: self._confirm_then(path, lambda: self._write_script(path, first, last)),
        )

    def _confirm_then(self, path: Path | None, write: Callable[[], None]) -> None:
        """Write to `path`, asking first when it exists; nothing when no path was chosen."""
        if path is None:
            return
        if path.exists():
            self.app.push_screen(ConfirmScreen(f"{path} exists. Replace it?"), lambda yes: write() if yes else None)
            return
        write()

    def _write_script(self, path: Path, first: int, last: int | None) -> None:
        entries = [entry for entry in self.store.entries if entry.seq >= first and (last is None or entry.seq <= last)]
        try:
            text = record_script(entries, self.store.own_jid)
            write_atomically(path, text)
        except ValueError as error:
            self.notify(str(error), title="No script written", severity="error")
            return
        except OSError as error:
            self.notify(f"{path}: {error.strerror or error}", title="No script written", severity="error")
            return
        steps = text.count(" sends:\n") + text.count(" receives:\n")
        self.notify(f"{steps:,} steps written to {path}; replay with: iqconsole script {path}", title="Script saved")

    def action_toggle_noise(self) -> None:
        self.hide_noise = not self.hide_noise

    def _reveal_selection_or_tail(self) -> None:
        row = self.rows.row_of(self.selected) if self.selected is not None else None
        if row is not None:
            self.scroll_to_region(Region(0, row, 1, 1), animate=False, immediate=True)
        elif self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def _keep_tail(self) -> None:
        if self.following and self.scroll_y < self.max_scroll_y:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        """Scrolling is refused until the first scrollbar is shown: follow the tail once it is."""
        if shown and self.following:
            self.call_after_refresh(self._keep_tail)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.following = self.selected is None and new >= self.max_scroll_y

    def watch_following(self, following: bool) -> None:
        if following:
            self.unseen = 0

    def action_follow(self) -> None:
        self.selected = None
        self.following = True
        self.scroll_end(animate=False)

    def action_select(self, step: int) -> None:
        """Move the selection; with none yet, start from the newest stanza on screen."""
        rows = len(self.rows)
        if not rows:
            return
        row = self.rows.row_of(self.selected) if self.selected is not None else None
        if row is None:
            row = min(rows, int(self.scroll_y) + self.scrollable_content_region.height)
        self._select_row(max(0, min(rows - 1, row + step)))

    def _select_row(self, row: int) -> None:
        entry = self.rows.entry(row)
        if entry is None:  # the row's stanza left the ring during a flood: catch up, then select
            self.rows.update()
            self._show_rows()
            row = min(row, len(self.rows) - 1)
            entry = self.rows.entry(row)
            if entry is None:
                return
        self.following = False
        self.selected = entry.seq
        self.scroll_to_region(Region(0, row, 1, 1), animate=False, immediate=True)

    def action_pair(self) -> None:
        """From a request to its reply and back."""
        entry = self.selected_entry
        pairing = self.store.pairing_of(entry) if entry is not None else None
        if pairing is None:
            self.notify("Select an IQ request or reply first (↑/↓).", severity="warning")
            return
        other = pairing.reply if entry is pairing.request else pairing.request
        if other is None:
            self.notify(f"No reply yet: the request is {pairing.state.value}.", severity="warning")
            return
        row = self.rows.row_of(other.seq)
        if row is None:
            self.notify("Its partner is hidden by the filter or no longer kept.", severity="warning")
            return
        self._select_row(row)

    @property
    def selected_entry(self) -> TrafficEntry | None:
        return None if self.selected is None else self.store.by_seq(self.selected)

    def watch_selected(self, selected: int | None) -> None:
        self.refresh()
        self.post_message(self.Selected(None if selected is None else self.store.by_seq(selected)))

    def action_oldest(self) -> None:
        """Select the oldest stanza kept (stops following)."""
        if len(self.rows):
            self._select_row(0)

    def render_lines(self, crop: Region) -> list[Strip]:
        # Costly to compute: once per frame, not per row.
        self._row_style = self.rich_style
        self._row_width = self.scrollable_content_region.width
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        _scroll_x, scroll_y = self.scroll_offset
        width = self._row_width
        entry = self.rows.entry(scroll_y + y)
        if entry is None:
            return Strip.blank(width, self._row_style)
        pairing = self.store.pairing_of(entry) if entry.kind is Kind.IQ else None
        state = pairing.state if pairing is not None else None
        selected = entry.seq == self.selected
        key = (entry.seq, width, state, selected, entry.seq == self.marked, self._row_style)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._row_strip(entry, width, selected)
            self._strips[key] = strip
        return strip

    def _row_strip(self, entry: TrafficEntry, width: int, selected: bool) -> Strip:
        """The row's segments straight from its runs, as `Text.render` would give them, for only
        as many characters as `width` shows: in follow mode every row of a frame is new."""
        row = self._row_style  # the theme's background under every character, not the terminal's
        marked = self._styles["selected"] if selected else None
        segments: list[Segment] = []
        plain = ""  # unstyled runs in a row make one segment, as in Text.render
        for run, style in self._runs(entry, width):
            if not style:
                plain += run
                continue
            if plain:
                segments.append(Segment(plain, row + marked))
                plain = ""
            segments.append(Segment(run, row + style + marked))
        if plain:
            segments.append(Segment(plain, row + marked))
        return Strip(segments).crop_extend(0, width, row)

    def line_text(self, entry: TrafficEntry) -> Text:
        text = Text(no_wrap=True, end="")
        for run, style in self._runs(entry):
            text.append(run, style)
        return text

    def _runs(self, entry: TrafficEntry, width: int | None = None) -> Iterator[tuple[str, Style]]:
        """The row as (text, style) runs; with `width`, the stanza only as far as a row that
        wide shows (when it is ASCII, one cell per character)."""
        clock = time.strftime("%H:%M:%S", time.localtime(entry.wall)) + f".{int(entry.wall * 1000) % 1000:03d}"
        arrow = "←" if entry.direction is Direction.IN else "→"
        head = [(f"{clock} ", self._styles["time"])]
        if self.account_width:
            head.append((f"{terminal_safe(entry.account):<{self.account_width}} ", self._styles["account"]))
        head.append((f"{arrow} ", self._styles[entry.direction.value]))
        badge = self._pairing_badge(entry)
        if badge is not None:
            head.append(badge)
        if entry.responder:
            head.append((f"[⚑ {entry.responder}] ", self._styles["out"]))
        if entry.seq == self.marked:
            head.append(("[◆ marked] ", self._styles["error"]))
        head.append((f"{terminal_safe(entry_summary(entry))}  ", self._styles["summary"]))
        yield from head
        if entry.kind is Kind.KEEPALIVE:
            yield "(whitespace keepalive)", self._styles["comment"]
            return
        xml = terminal_safe(one_line(entry.xml))
        until = None
        if width is not None and xml.isascii():
            until = max(0, width - sum(cell_len(run) for run, _style in head))
        yield from xml_runs(xml, self._styles, until)

    def _pairing_badge(self, entry: TrafficEntry) -> tuple[str, Style] | None:
        pairing = self.store.pairing_of(entry) if entry.kind is Kind.IQ else None
        if pairing is None:
            return None
        if pairing.reply is entry and pairing.round_trip is not None:
            late = "late, " if pairing.late else ""
            return f"[{late}{pairing.round_trip * 1000:.1f} ms] ", self._styles["comment"]
        if pairing.request is not entry:
            return None
        if pairing.state is PairState.ERROR and pairing.reply is not None:
            condition = error_condition(pairing.reply.xml).split(" ", 1)[0]
            return f"[error {terminal_safe(short(condition))}] ", self._styles["error"]
        late = " late" if pairing.late else ""
        return f"[{pairing.state.value}{late}] ", self._styles["comment"]

    def plain_lines(self) -> list[str]:
        """Every row as the view shows it, without colour."""
        entries = (self.rows.entry(row) for row in range(len(self.rows)))
        return [self.line_text(entry).plain for entry in entries if entry is not None]
