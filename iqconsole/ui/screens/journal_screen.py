"""F12: the sessions in the journal, newest first; Enter opens one over the console."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from iqconsole.core.journal import PastSession
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.traffic_summary import size_label


class JournalScreen(ModalScreen[PastSession | None]):
    BINDINGS = [
        Binding("escape,f12", "dismiss(None)", "Close", id="journal.close", tooltip="Close the list of past sessions"),
    ]

    def __init__(self, folder: Path, sessions: list[PastSession], *, journaled: bool = True):
        """`folder`: where the journal is; `journaled`: whether this session is written there."""
        super().__init__()
        self._folder = folder
        self._sessions = sessions
        self._journaled = journaled

    def compose(self) -> ComposeResult:
        with Vertical(id="journal"):
            where = f"in {self._folder}" + ("" if self._journaled else " (this session is not journaled)")
            if not self._sessions:
                yield Label(terminal_safe(f"No past sessions {where}."), classes="title", markup=False)
                return
            yield Label(terminal_safe(f"Past sessions {where}; Enter opens one."), classes="title", markup=False)
            yield DataTable(id="journal-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        if not self._sessions:
            return
        table = self.query_one(DataTable)
        table.add_columns("started", "account", "server", "stanzas", "size")
        for session in self._sessions:
            cells = (session.when, session.account, session.server, f"{session.stanzas:,}", size_label(session.size))
            table.add_row(*(Text(terminal_safe(cell)) for cell in cells))
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(self._sessions[event.cursor_row])
