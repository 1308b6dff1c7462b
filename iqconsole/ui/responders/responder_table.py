"""The responders: one row each, with the keys to add, toggle and delete them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from iqconsole.core.responders import MatchKind, ResponderSet


class ResponderTable(DataTable):
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
        Binding("a", "request('add')", "Add…", id="responders.add", tooltip="Add a responder"),
        Binding("e,enter", "request('edit')", "Edit…", id="responders.edit", tooltip="Edit the selected responder"),
        Binding(
            "space",
            "request('toggle')",
            "On/off",
            id="responders.toggle",
            tooltip="Enable or disable the selected responder",
        ),
        Binding(
            "c", "request('duplicate')", "Copy", id="responders.duplicate", tooltip="Duplicate the selected responder"
        ),
        Binding(
            "ctrl+up",
            "request('up')",
            "Up",
            id="responders.up",
            show=False,
            tooltip="Move the selected responder up (answers earlier)",
        ),
        Binding(
            "ctrl+down",
            "request('down')",
            "Down",
            id="responders.down",
            show=False,
            tooltip="Move the selected responder down",
        ),
        Binding(
            "delete,d", "request('delete')", "Delete…", id="responders.delete", tooltip="Delete the selected responder"
        ),
        Binding("s", "request('save')", "Save…", id="responders.save", tooltip="Save the responders to a TOML file"),
        Binding("o", "request('open')", "Open…", id="responders.open", tooltip="Load responders from a TOML file"),
    ]
    NEEDS_SELECTION = {"edit", "toggle", "duplicate", "up", "down", "delete"}

    @dataclass
    class Requested(Message):
        """The user asked for `action` on the responder `name` (None: on the whole set)."""

        action: str
        name: str | None

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
        row, name = self.cursor_row, self._selected_name()
        self.clear()
        for order, responder in enumerate(self.responders, start=1):
            last_hit = time.strftime("%H:%M:%S", time.localtime(responder.last_hit)) if responder.last_hit else "—"
            self.add_row(
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
                key=responder.name,
            )
        names = [responder.name for responder in self.responders]
        if self.row_count:  # the cursor follows its responder when the order changes
            self.move_cursor(row=names.index(name) if name in names else min(row, self.row_count - 1))

    def _selected_name(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def action_request(self, action: str) -> None:
        name = self._selected_name()
        if action in self.NEEDS_SELECTION and name is None:
            self.app.bell()
            return
        self.post_message(self.Requested(action, name))
