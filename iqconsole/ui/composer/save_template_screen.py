"""Ctrl+S in the composer: name the editor's text and keep it as your own template."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class SaveTemplateScreen(ModalScreen[tuple[str, str] | None]):
    """Asks for a title (it makes the file name) and an optional description."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="save-template.cancel", tooltip="Close without saving")]

    def __init__(self, directory: str):
        super().__init__()
        self._directory = directory

    def compose(self) -> ComposeResult:
        with Vertical(id="save-template"):
            yield Label("Save the editor as a template", classes="title")
            yield Input(placeholder="title, e.g. Ping my server", id="save-template-title")
            yield Input(placeholder="description (optional)", id="save-template-description")
            yield Label("", id="save-template-problem")
            yield Label(f"Saved in {self._directory} · Enter saves · Esc cancels", classes="hint")

    @on(Input.Submitted)
    def save(self) -> None:
        title = self.query_one("#save-template-title", Input).value.strip()
        if not title:
            self.query_one("#save-template-problem", Label).update("A title is needed: it makes the file name.")
            self.query_one("#save-template-title", Input).focus()
            return
        self.dismiss((title, self.query_one("#save-template-description", Input).value.strip()))
