"""F8: what the server, its components and the account announce, with each feature's specification
and description (from the knowledge files) beside it."""

from __future__ import annotations

import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from iqconsole.core.knowledge import knowledge
from iqconsole.core.server_features import ServerFeatures
from iqconsole.core.terminal_safe import terminal_safe

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
UNKNOWN_FEATURE = "iqconsole's knowledge has no entry for this feature."


def feature_about(feature: str) -> str:
    """The paragraph on a feature, with its specification; a sentence saying so when unknown."""
    topic = knowledge().topic(feature)
    return f"{topic.about} ({topic.citation})" if topic is not None else UNKNOWN_FEATURE


def first_sentence(paragraph: str) -> str:
    return _SENTENCE_END.split(paragraph, maxsplit=1)[0]


class ServerFeaturesScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f8,q", "dismiss(None)", "Close", id="features.close", tooltip="Close the feature list")]

    def __init__(self, features: ServerFeatures | None):
        super().__init__()
        self._features = features
        self._abouts: list[str] = []  # the description of each row, in the table's order

    def compose(self) -> ComposeResult:
        with Vertical(id="features"):
            if self._features is None:
                yield Label("The server has not been asked yet: it is asked once, right after login.", classes="title")
                return
            entities = ", ".join(
                f"{info.jid} ({'; '.join(info.identities) or 'no identity'})" for info in self._features.groups()
            )
            yield Label(f"Announced by {terminal_safe(entities)}", classes="title", markup=False)
            yield DataTable(id="features-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="feature-about", markup=False)

    def on_mount(self) -> None:
        if self._features is None:
            return
        table = self.query_one(DataTable)
        table.add_columns("entity", "feature (namespace)", "specification", "description")
        for entity, feature, specification in self._features.rows():
            about = feature_about(feature)
            self._abouts.append(about)
            # the server's words: neither markup nor control characters
            cells = (entity, feature, specification, first_sentence(about))
            table.add_row(*(Text(terminal_safe(cell)) for cell in cells))
        table.focus()

    @on(DataTable.RowHighlighted, "#features-table")
    def show_about(self, event: DataTable.RowHighlighted) -> None:
        """The whole description of the highlighted feature, under the table."""
        if 0 <= event.cursor_row < len(self._abouts):
            self.query_one("#feature-about", Static).update(self._abouts[event.cursor_row])
