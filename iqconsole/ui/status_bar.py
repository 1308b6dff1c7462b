"""One line at the top: who we are, whether we are online, and how busy the stream is."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from iqconsole.core.client import ConnectionState, StreamManagement
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.traffic import TrafficStore
from iqconsole.ui.frame_updates import FrameUpdates

_STATE_COLOUR = {
    ConnectionState.ONLINE: "success",
    ConnectionState.CONNECTING: "warning",
    ConnectionState.FAILED: "error",
    ConnectionState.DISCONNECTED: "error",
    ConnectionState.RECONNECTING: "warning",
}


COUNTERS_INTERVAL = 0.1  # seconds: counters moving ten times a second are read as live; more is drawn for nobody


class StatusBar(Static):
    """Connection state is pushed in by the app; counters and stream management follow the
    store's changes (at most once a frame, however many stanzas a flood brings): every change
    of SM state comes with traffic (`<enabled>`, `<a>`, a stanza sent, a marker row)."""

    account = reactive("")
    account_choice = reactive("")  # several accounts: which one the composer sends from, "alice (1 of 2)"
    state = reactive(ConnectionState.DISCONNECTED)
    detail = reactive("")
    count_in = reactive(0)
    count_out = reactive(0)
    dropped = reactive(0)
    skipped = reactive(0)
    pending = reactive(0)
    insecure = reactive(False)
    sm = reactive(StreamManagement())

    def __init__(
        self, store: TrafficStore, stream_management: Callable[[], StreamManagement] = StreamManagement, **kwargs
    ):
        super().__init__(**kwargs)
        self.store = store
        self._stream_management = stream_management
        self._updates = FrameUpdates(self, self.read_counters, frame=COUNTERS_INTERVAL)

    def on_mount(self) -> None:
        self.read_counters()
        self._updates.follow(self.store.changed)

    def on_unmount(self) -> None:
        self._updates.stop()

    def read_counters(self) -> None:
        self.count_in = self.store.count_in
        self.count_out = self.store.count_out
        self.dropped = self.store.dropped
        self.skipped = self.store.skipped
        self.pending = self.store.pending_out
        self.sm = self._stream_management()

    def render(self) -> Text:
        colours = self.app.theme_variables
        text = Text(f" {terminal_safe(self.account) or 'no account'} · ", style="bold")
        if self.account_choice:
            text = (
                Text(f" {terminal_safe(self.account_choice)} ▸", style=f"bold {colours.get('accent', 'cyan')}") + text
            )
        text.append(self.state.value, style=f"bold {colours.get(_STATE_COLOUR[self.state], 'red')}")
        text.append(f"  │ in {self.count_in} │ out {self.count_out} │ pending {self.pending}")
        if sm := self.sm.describe():
            text.append(f" │ {sm}")
        if self.dropped:
            text.append(f"  ({self.dropped} dropped from the log)")
        if self.skipped:
            text.append(f"  ⚠ {self.skipped} skipped (kind:notice)", style=f"bold {colours.get('warning', 'yellow')}")
        if self.insecure:
            text.append("  ⚠ TLS NOT VERIFIED (--insecure)", style=f"bold {colours.get('error', 'red')}")
        if self.detail and self.state is not ConnectionState.ONLINE:
            text.append(f"  {terminal_safe(self.detail)}")
        return text
