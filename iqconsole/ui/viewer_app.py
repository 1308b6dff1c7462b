"""`iqconsole view FILE`: a recorded log to read, filter, search and export.

Nothing here sends, logs in or edits: there is no composer and no account, so no key can
reach them, and the console's own files (draft, history) are never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from iqconsole.core.themes import DEFAULT_THEME
from iqconsole.core.traffic import TrafficStore
from iqconsole.core.traffic_export import TrafficFileError
from iqconsole.ui.commands import BindingCommands
from iqconsole.ui.screens.help_screen import HelpScreen, declared_bindings
from iqconsole.ui.screens.recording_screen import RecordingScreen
from iqconsole.ui.themes import VARIABLE_DEFAULTS, use_themes


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

    def get_default_screen(self) -> Screen[None]:
        return RecordingScreen(self.store, self.source, self.skipped)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        use_themes(self, self.requested_theme)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.focused, declared_bindings(self), self.keymap))
