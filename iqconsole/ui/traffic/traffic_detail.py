"""The selected stanza in full: indented and highlighted, with its pairing and timing."""

from __future__ import annotations

import time

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from iqconsole.core.pretty import pretty_xml, raw_xml
from iqconsole.core.traffic import Direction, TrafficEntry, TrafficStore
from iqconsole.ui.themes import role_styles
from iqconsole.ui.xml_text import highlight_xml


class TrafficDetail(VerticalScroll, can_focus=True):
    HELP = """\
# Stanza detail

The stanza selected in the traffic log (↑/↓ there), indented and highlighted, with long text
(base64 avatars, file data) folded to its start and its length. **r** shows the raw form as
captured, and back. With nothing selected it shows the reply to the last request you sent.
Secrets stay redacted; **Shift+S** shows them in this pane only (a red warning says so), for
debugging your own authentication. The log, copies and exports always stay redacted.
"""

    BINDINGS = [
        Binding("r", "toggle_raw", "Raw/pretty", id="detail.raw", tooltip="Show the stanza as captured, or indented"),
        Binding(
            "S",
            "toggle_secrets",
            "Secrets",
            id="detail.secrets",
            tooltip="Show or hide redacted secrets (SASL, passwords) here",
        ),
    ]

    entry: reactive[TrafficEntry | None] = reactive(None)
    raw = reactive(False)
    show_secrets = reactive(False)

    def __init__(self, store: TrafficStore, **kwargs):
        super().__init__(**kwargs)
        self.store = store

    def compose(self):
        yield Static("Select a stanza in the traffic log (↑/↓) to read it here.", id="detail-body")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.watch_entry(self.entry))

    def watch_entry(self, entry: TrafficEntry | None) -> None:
        if entry is None:
            return
        styles = role_styles(self.app.theme_variables)
        heading = Text(self._heading(entry), style="bold")
        if self.show_secrets and self.store.secret_of(entry) is not None:
            heading.append("\n⚠ SECRETS SHOWN (Shift+S hides them)", style="bold reverse red")
        secret = self.store.secret_of(entry) if self.show_secrets else None
        xml = secret if secret is not None else entry.xml
        body = highlight_xml(raw_xml(xml) if self.raw else pretty_xml(xml), styles)
        body.no_wrap = False
        self.query_one("#detail-body", Static).update(Text.assemble(heading, "\n", body))
        self.scroll_home(animate=False)

    def watch_raw(self) -> None:
        self.watch_entry(self.entry)

    def watch_show_secrets(self, shown: bool) -> None:
        self.border_subtitle = "⚠ secrets shown" if shown else ""
        self.watch_entry(self.entry)

    def action_toggle_secrets(self) -> None:
        self.show_secrets = not self.show_secrets

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw

    def _heading(self, entry: TrafficEntry) -> str:
        moment = time.strftime("%H:%M:%S", time.localtime(entry.wall))
        way = "received" if entry.direction is Direction.IN else "sent"
        parts = [f"#{entry.seq} {way} {moment}", entry.kind.value, f"{entry.size:,} chars"]
        pairing = self.store.pairing_of(entry)
        if pairing is not None:
            if pairing.reply is entry and pairing.round_trip is not None:
                parts.append(f"reply to #{pairing.request.seq} after {pairing.round_trip * 1000:.1f} ms")
            elif pairing.reply is not None:
                parts.append(f"{pairing.state.value} by #{pairing.reply.seq}")
            else:
                parts.append(pairing.state.value)
        if entry.redacted and not self.show_secrets:
            parts.append("secrets redacted (Shift+S shows)")
        parts.append("raw" if self.raw else "pretty (r: raw)")
        return " · ".join(parts)
