"""The responders: one row each, with the keys to add, toggle and delete them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from iqconsole.core.responders import Responder, ResponderSet


def reply_kind(responder: Responder) -> str:
    reply = responder.reply.strip()
    if not reply:
        return "empty result"
    return "error" if reply.startswith("<error") else "result"


class ResponderTable(DataTable):
    HELP = """\
# Responders

A responder answers incoming IQ **get**/**set** requests that match its StanzaPath, such as
`iq@type=get/ping` or `iq/disco_info@node=x`, with its reply template: payload XML for a
result (empty for an empty result), or an `<error>` element for an error reply.

The first enabled responder that matches answers, exactly once; the request and the reply
show in the traffic log. A bad StanzaPath is refused before it is registered.

Template variables: `${id}`, `${from}`, `${to}`, `${now}`.
"""

    BINDINGS = [
        Binding("a", "add", "Add", id="responders.add", tooltip="Add a responder"),
        Binding("space", "toggle", "On/off", id="responders.toggle", tooltip="Enable or disable the selected responder"),
        Binding("delete,d", "delete", "Delete", id="responders.delete", tooltip="Delete the selected responder"),
    ]

    @dataclass
    class AddRequested(Message):
        """The user wants to add a responder."""

    @dataclass
    class ToggleRequested(Message):
        name: str

    @dataclass
    class DeleteRequested(Message):
        name: str

    def __init__(self, responders: ResponderSet, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.responders = responders
        self._shown_version = -1

    def on_mount(self) -> None:
        self.add_columns("#", "name", "match", "reply", "on", "hits", "last hit", "last error")
        self.show_changes()
        self.set_interval(0.25, self.show_changes)

    def show_changes(self) -> None:
        """Redraw when the set changed (hits arrive from the XMPP side at any time)."""
        if self.responders.version == self._shown_version:
            return
        self._shown_version = self.responders.version
        row = self.cursor_row
        self.clear()
        for order, responder in enumerate(self.responders, start=1):
            last_hit = time.strftime("%H:%M:%S", time.localtime(responder.last_hit)) if responder.last_hit else "—"
            self.add_row(
                str(order),
                responder.name,
                responder.match,
                reply_kind(responder),
                "✔" if responder.enabled else "✘",
                str(responder.hits),
                last_hit,
                responder.last_error or "",
                key=responder.name,
            )
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))

    def _selected_name(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def action_add(self) -> None:
        self.post_message(self.AddRequested())

    def action_toggle(self) -> None:
        if (name := self._selected_name()) is not None:
            self.post_message(self.ToggleRequested(name))

    def action_delete(self) -> None:
        if (name := self._selected_name()) is not None:
            self.post_message(self.DeleteRequested(name))
