"""`iqconsole view FILE`: a recorded log to read, filter, search and export.

Nothing here sends, logs in or edits: there is no composer and no account, so no key can
reach them, and the console's own files (draft, history) are never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer

from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.themes import DEFAULT_THEME
from iqconsole.core.traffic import TrafficStore
from iqconsole.core.traffic_export import TrafficFileError
from iqconsole.ui.commands import BindingCommands
from iqconsole.ui.recording_bar import RecordingBar
from iqconsole.ui.screens.help_screen import HelpScreen, declared_bindings
from iqconsole.ui.themes import VARIABLE_DEFAULTS, use_themes
from iqconsole.ui.traffic.traffic_detail import TrafficDetail
from iqconsole.ui.traffic.traffic_pane import TrafficPane
from iqconsole.ui.traffic.traffic_view import TrafficView


class TrafficViewerApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "iqconsole view"
    COMMANDS = App.COMMANDS | {BindingCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help", tooltip="Explain the focused pane and its keys"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, tooltip="Close the recording"),
    ]

    def __init__(
        self,
        store: TrafficStore,
        source: Path,
        *,
        theme_name: str | None = None,
        skipped: Sequence[TrafficFileError] = (),
        keymap: dict[str, str] | None = None,
    ):
        """`skipped`: the file's lines that could not be read (said once at start);
        `keymap`: the config file's, as in the console (ids the viewer lacks change nothing)."""
        super().__init__()
        self.keymap = dict(keymap or {})
        self.set_keymap(self.keymap)
        self.store = store
        self.skipped = tuple(skipped)
        self.source = source
        self.requested_theme = theme_name or DEFAULT_THEME

    def compose(self) -> ComposeResult:
        self.traffic = TrafficView(self.store, id="traffic")
        self.detail = TrafficDetail(self.store, id="detail")
        yield RecordingBar(self.source.name, self.store, id="recording")
        with Vertical(id="recording-pane"):
            yield TrafficPane(self.traffic, id="traffic-log")
            yield self.detail
        yield Footer()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        use_themes(self, self.requested_theme)
        self.traffic.border_title = "Traffic"
        self.detail.border_title = "Detail"
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

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.focused, declared_bindings(self), self.keymap))
