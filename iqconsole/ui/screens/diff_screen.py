"""Two log entries compared (core/stanza_diff.py): the lines only in the first, only in the
second, and those they share, in one column."""

from __future__ import annotations

import time

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from iqconsole.core.stanza_diff import Side, compare
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.traffic import Direction, TrafficEntry
from iqconsole.core.traffic_summary import entry_summary

_MARKS = {Side.FIRST: "- ", Side.SECOND: "+ ", Side.BOTH: "  "}


def entry_heading(entry: TrafficEntry) -> str:
    """`#12 ← 05:01:02 iq result from localhost …`: which entry a side of the comparison is."""
    arrow = "←" if entry.direction is Direction.IN else "→"
    clock = time.strftime("%H:%M:%S", time.localtime(entry.wall))
    return f"#{entry.seq} {arrow} {clock} {entry_summary(entry)}"


class DiffScreen(ModalScreen[None]):
    HELP = """\
# Comparing two stanzas

The marked stanza (`-`, first) against the selected one (`+`, second), each written in one
normal form: namespaces resolved (no prefixes; the stanza namespaces of clients, servers and
components count as one), attributes sorted, whitespace between elements dropped. Lines marked
`-` are only in the first, `+` only in the second; the others are in both.

**i** ignores or compares ids and timestamps: every `id` and `stamp`, and any XEP-0082 date,
time or date-time (attribute or text), which differ between any two exchanges. They are ignored
at first. The arrow keys and Page Up/Down scroll.
"""

    BINDINGS = [
        Binding("escape,q", "dismiss(None)", "Close", id="diff.close", tooltip="Close the comparison"),
        # A modal screen hides the app's keys: its help is offered here.
        Binding("f1", "app.help", "Help", id="diff.help", show=False, tooltip="Explain the comparison and its keys"),
        Binding(
            "i",
            "toggle_volatile",
            "Ids & times",
            id="diff.ignore-volatile",
            tooltip="Ignore or compare ids and timestamps",
        ),
    ]

    ignore_volatile = reactive(True)

    def __init__(self, first: TrafficEntry, second: TrafficEntry):
        super().__init__()
        self.first = first
        self.second = second

    def compose(self) -> ComposeResult:
        with Vertical(id="diff"):
            yield Label(f"- {terminal_safe(entry_heading(self.first))}", id="diff-first", markup=False)
            yield Label(f"+ {terminal_safe(entry_heading(self.second))}", id="diff-second", markup=False)
            yield Label("", id="diff-summary", classes="title", markup=False)
            with ScrollableContainer(id="diff-body"):
                yield Static(id="diff-text")
        yield Footer()

    def on_mount(self) -> None:
        variables = self.app.theme_variables
        self._styles = {
            Side.FIRST: Style(color=variables.get("error"), bold=True),
            Side.SECOND: Style(color=variables.get("success"), bold=True),
            Side.BOTH: Style(),
        }
        self._show()
        self.query_one("#diff-body").focus()

    def watch_ignore_volatile(self) -> None:
        if self.is_mounted:
            self._show()

    def action_toggle_volatile(self) -> None:
        self.ignore_volatile = not self.ignore_volatile

    def _show(self) -> None:
        diff = compare(self.first.xml, self.second.xml, ignore_volatile=self.ignore_volatile)
        self.diff = diff
        text = Text(no_wrap=True, end="")
        for number, line in enumerate(diff.lines):
            if number:
                text.append("\n")
            text.append(_MARKS[line.side] + terminal_safe(line.text), self._styles[line.side])
        self.query_one("#diff-text", Static).update(text)
        self.query_one("#diff-summary", Label).update(diff.describe())
