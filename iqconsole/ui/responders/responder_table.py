"""The responders: one row each, with the keys to add, toggle and delete them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from iqconsole.core.responders import MatchKind, Responder, ResponderSet
from iqconsole.ui.bindings_here import BindingsHere
from iqconsole.ui.frame_updates import FrameUpdates
from iqconsole.ui.screens.confirm_screen import ConfirmScreen

_HIT_COLUMNS = (5, 6)  # "hits" and "last hit"
HITS_INTERVAL = 0.25  # seconds between two redraws of the hit counters during a flood of requests


class ResponderTable(BindingsHere, DataTable):
    HELP = """\
# Responders

A responder answers incoming IQ **get**/**set** requests that match it, so the console can
play a service or a peer. The first enabled responder that matches answers, exactly once;
the request and the reply show in the traffic log marked `[⚑ name]`. A bad match or reply
is refused, with the reason, before it is registered.

A match is a StanzaPath, an XPath in Clark notation (`iq[@type='get']/{urn:xmpp:ping}ping`)
or an XML mask (`<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>`). A reply is a result
payload, any RFC 6120 error, or no reply at all, optionally after a delay. Requests no
responder takes get `service-unavailable`. Order matters: move a responder with Ctrl+↑/↓.

Reply variables: `${id}`, `${from}`, `${to}`, `${now}`, `${counter}` and
`${request:PATH}` (e.g. `${request:query/@node}`, or `${request:query/item}` for text).

Responder sets are TOML files: **s** saves them, **o** opens one (see the README).
"""

    BINDINGS = [
        Binding("a", "add", "Add…", id="responders.add", tooltip="Add a responder"),
        Binding("e,enter", "edit", "Edit…", id="responders.edit", tooltip="Edit the selected responder"),
        Binding(
            "space",
            "toggle_enabled",
            "On/off",
            id="responders.toggle",
            tooltip="Enable or disable the selected responder",
        ),
        Binding("c", "duplicate", "Copy", id="responders.duplicate", tooltip="Duplicate the selected responder"),
        Binding(
            "ctrl+up",
            "move(-1)",
            "Up",
            id="responders.up",
            show=False,
            tooltip="Move the selected responder up (answers earlier)",
        ),
        Binding(
            "ctrl+down",
            "move(1)",
            "Down",
            id="responders.down",
            show=False,
            tooltip="Move the selected responder down",
        ),
        Binding("delete,d", "delete", "Delete…", id="responders.delete", tooltip="Delete the selected responder"),
        Binding("s", "save", "Save…", id="responders.save", tooltip="Save the responders to a TOML file"),
        Binding("o", "open", "Open…", id="responders.open", tooltip="Load responders from a TOML file"),
    ]

    class AddRequested(Message):
        """Open the form for a new responder."""

    @dataclass
    class EditRequested(Message):
        """Open the form on the responder `name`."""

        name: str

    class SaveRequested(Message):
        """Save the set to a file the user names."""

    class OpenRequested(Message):
        """Replace the set with one from a file the user names."""

    def __init__(self, responders: ResponderSet, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.responders = responders
        self._updates = FrameUpdates(self, self.show_changes)
        self._shown: list[tuple[str, tuple[str | Text, ...]]] = []  # (name, cells) of each row drawn
        self._columns: list[ColumnKey] = []

    def on_mount(self) -> None:
        self._columns = self.add_columns("#", "name", "match", "reply", "on", "hits", "last hit", "last error")
        self.show_changes()
        self._updates.follow(self.responders.changed)

    def on_unmount(self) -> None:
        self._updates.stop()

    def show_set(self, responders: ResponderSet) -> None:
        """Show (and edit) another set: the chosen account's, in a console with several."""
        self._updates.stop()
        self.responders = responders
        self._shown = []
        self.show_changes()
        self._updates.follow(responders.changed)

    def show_changes(self) -> None:
        """Redraw the set (it changed: an edit, or a hit from the XMPP side). Hits change only
        their cells: rebuilding the table for each of a flood of requests kept the loop busy."""
        rows = [(responder.name, self._cells(order, responder)) for order, responder in enumerate(self.responders, 1)]
        if self._only_hits_changed(rows):
            if self._updates.too_soon(HITS_INTERVAL):
                return  # each update redraws the whole table: a few a second are enough to read
            self._updates.mark_shown()
            for (name, cells), (_, before) in zip(rows, self._shown, strict=True):
                for column in _HIT_COLUMNS:
                    if cells[column] != before[column]:
                        self.update_cell(name, self._columns[column], cells[column], update_width=True)
            self._shown = rows
            return
        row, selected = self.cursor_row, self._selected_name()
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        self._shown = rows
        names = [key for key, _ in rows]
        if self.row_count:  # the cursor follows its responder when the order changes
            self.move_cursor(row=names.index(selected) if selected in names else min(row, self.row_count - 1))

    def _only_hits_changed(self, rows: list[tuple[str, tuple[str | Text, ...]]]) -> bool:
        """Same responders, same order, same settings: only the hit counters moved. Their cells are
        as wide as their headers, so updating them in place draws what a rebuilt table would."""
        if [name for name, _ in rows] != [name for name, _ in self._shown]:
            return False
        return all(
            cells[column] == before[column]
            for (_, cells), (_, before) in zip(rows, self._shown, strict=True)
            for column in range(len(cells))
            if column not in _HIT_COLUMNS
        )

    @staticmethod
    def _cells(order: int, responder: Responder) -> tuple[str | Text, ...]:
        last_hit = time.strftime("%H:%M:%S", time.localtime(responder.last_hit)) if responder.last_hit else "—"
        return (
            str(order),
            Text(responder.name),  # Text: user strings such as [@type='get'] are not markup
            Text(
                responder.match
                if responder.match_kind is MatchKind.STANZA_PATH
                else f"{responder.match_kind.value}: {responder.match}"
            ),
            responder.reply_kind
            + (f" after {responder.delay_ms} ms" if responder.delay_ms and not responder.silent else ""),
            "✔" if responder.enabled else "✘",
            str(responder.hits),
            last_hit,
            Text(responder.last_error),
        )

    def _selected_name(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def _selected_or_bell(self) -> str | None:
        name = self._selected_name()
        if name is None:
            self.app.bell()
        return name

    def action_add(self) -> None:
        self.post_message(self.AddRequested())

    def action_edit(self) -> None:
        if (name := self._selected_or_bell()) is not None:
            self.post_message(self.EditRequested(name))

    def action_toggle_enabled(self) -> None:
        if (name := self._selected_or_bell()) is not None:
            self.responders.set_enabled(name, not self.responders.get(name).enabled)

    def action_duplicate(self) -> None:
        if (name := self._selected_or_bell()) is not None:
            self.responders.duplicate(name)

    def action_move(self, offset: int) -> None:
        """Up (negative) or down: the order decides who answers first."""
        if (name := self._selected_or_bell()) is not None:
            self.responders.move(name, offset)

    def action_delete(self) -> None:
        name = self._selected_or_bell()
        if name is None:
            return

        def delete(confirmed: bool | None) -> None:
            if confirmed:
                self.responders.remove(name)

        self.app.push_screen(ConfirmScreen(f"Delete the responder {name!r}?"), delete)

    def action_save(self) -> None:
        self.post_message(self.SaveRequested())

    def action_open(self) -> None:
        self.post_message(self.OpenRequested())
