"""Ask for a file path (saving or opening a responder set), with a sensible default."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PathScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="path.cancel", tooltip="Close without choosing a file")]

    def __init__(self, title: str, default: Path):
        super().__init__()
        self._title = title
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="path-dialog"):
            yield Label(self._title, classes="title")
            yield Input(str(self._default), id="path-input")
            yield Label("Enter to confirm, Esc to cancel", classes="hint")

    @on(Input.Submitted)
    def chosen(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(Path(event.value.strip()).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)
