"""Editor plus an outcome line: what was sent, and what came back or went wrong."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from iqconsole.ui.composer.composer_editor import ComposerEditor


class ComposerPane(Vertical):
    outcome = reactive("", always_update=True)
    outcome_level = reactive("info")  # info | success | error

    def compose(self) -> ComposeResult:
        yield ComposerEditor(id="editor")
        yield Static("", id="composer-outcome")

    @property
    def editor(self) -> ComposerEditor:
        return self.query_one(ComposerEditor)

    def report(self, message: str, level: str = "info") -> None:
        self.outcome_level = level
        self.outcome = message

    def watch_outcome(self, outcome: str) -> None:
        line = self.query_one("#composer-outcome", Static)
        line.update(outcome)
        line.set_classes(f"-{self.outcome_level}")
