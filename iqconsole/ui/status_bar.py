"""One line at the top: who we are, whether we are online, and how busy the stream is."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from iqconsole.core.client import ConnectionState

_STATE_COLOUR = {
    ConnectionState.ONLINE: "success",
    ConnectionState.CONNECTING: "warning",
    ConnectionState.FAILED: "error",
    ConnectionState.DISCONNECTED: "error",
}


class StatusBar(Static):
    account = reactive("")
    state = reactive(ConnectionState.DISCONNECTED)
    detail = reactive("")
    count_in = reactive(0)
    count_out = reactive(0)
    dropped = reactive(0)
    pending = reactive(0)
    insecure = reactive(False)

    def render(self) -> Text:
        colours = self.app.theme_variables
        text = Text(f" {self.account or 'no account'} · ", style="bold")
        text.append(self.state.value, style=f"bold {colours.get(_STATE_COLOUR[self.state], 'red')}")
        text.append(f"  │ in {self.count_in} │ out {self.count_out} │ pending {self.pending}")
        if self.dropped:
            text.append(f"  ({self.dropped} dropped from the log)")
        if self.insecure:
            text.append("  ⚠ TLS NOT VERIFIED (--insecure)", style=f"bold {colours.get('error', 'red')}")
        if self.detail and self.state is not ConnectionState.ONLINE:
            text.append(f"  {self.detail}")
        return text
