"""What a browser tab shows when the classroom has no seat for it: the reason, instead of a blank page."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static


class NoSeatApp(App[None]):
    """Says why there is no console here; closing the tab (or Ctrl+Q) ends it."""

    TITLE = "iqconsole classroom"
    CSS = "Static { margin: 2 4; }"

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield Static(f"No console for this tab: {self.reason}.", markup=False)
