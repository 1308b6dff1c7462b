"""A recorded log to read: the whole screen of `iqconsole view`, and a past session opened
from the console's journal (F12), over the console until closed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer

from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.traffic import TrafficStore
from iqconsole.core.traffic_export import TrafficFileError
from iqconsole.ui.recording_bar import RecordingBar
from iqconsole.ui.traffic.traffic_detail import TrafficDetail
from iqconsole.ui.traffic.traffic_pane import TrafficPane
from iqconsole.ui.traffic.traffic_view import TrafficView


class RecordingScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+w", "close", "Close", id="recording.close", tooltip="Back to the console"),
    ]

    def __init__(self, store: TrafficStore, source: Path, skipped: Sequence[TrafficFileError] = ()):
        """`skipped`: the file's lines that could not be read (said once, when shown)."""
        super().__init__()
        self.store = store
        self.source = source
        self.skipped = tuple(skipped)

    def compose(self) -> ComposeResult:
        self.traffic = TrafficView(self.store, id="traffic")
        self.detail = TrafficDetail(self.store, id="detail")
        yield RecordingBar(self.source.name, self.store, id="recording")
        with Vertical(id="recording-pane"):
            yield TrafficPane(self.traffic, id="traffic-log")
            yield self.detail
        yield Footer()

    def on_mount(self) -> None:
        self.traffic.border_title = "Traffic"
        self.detail.border_title = "Detail"
        self.traffic.show_accounts(sorted({entry.account for entry in self.store if entry.account}))
        self.traffic.focus()
        if self.skipped:
            first = self.skipped[0]
            self.notify(
                terminal_safe(f"{len(self.skipped):,} line(s) skipped; the first, line {first.line}: {first.message}"),
                title="Not all of the file could be read",
                severity="warning",
                timeout=30,
                markup=False,
            )

    @on(TrafficView.Selected)
    def show_selected(self, event: TrafficView.Selected) -> None:
        if event.entry is not None:
            self.detail.entry = event.entry

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Closing is for a recording opened over the console; the viewer closes with Quit."""
        if action == "close":
            return self.app.screen_stack[0] is not self
        return True

    def action_close(self) -> None:
        self.dismiss()
