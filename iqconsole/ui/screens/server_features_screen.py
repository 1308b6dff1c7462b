"""F8: what the server, its components and the account announce, with the XEP beside each namespace."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from iqconsole.core.server_features import ServerFeatures
from iqconsole.core.terminal_safe import terminal_safe


class ServerFeaturesScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f8,q", "dismiss(None)", "Close", id="features.close", tooltip="Close the feature list")]

    def __init__(self, features: ServerFeatures | None):
        super().__init__()
        self._features = features

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

    def on_mount(self) -> None:
        if self._features is None:
            return
        table = self.query_one(DataTable)
        table.add_columns("entity", "feature (namespace)", "specification")
        for row in self._features.rows():  # the server's words: neither markup nor control characters
            table.add_row(*(Text(terminal_safe(cell)) for cell in row))
        table.focus()
