"""The traffic log's filter and search expression, checked as it is typed."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input

from iqconsole.core.traffic_filter import FilterError, TrafficFilter, compile_filter

PLACEHOLDERS = {
    "filter": "filter: kind:iq type:get jid:bob@example.org -kind:presence …  (Enter applies, Esc closes)",
    "search": "search: text or terms, e.g. ns:disco  (Enter finds the next, Shift+Enter the previous)",
}


class TrafficFilterBar(Input):
    """Filter mode narrows the log; search mode selects the next match and leaves the log whole."""

    BINDINGS = [
        Binding(
            "escape", "close", "Close", id="traffic-filter.close", tooltip="Close the bar (a filter stays applied)"
        ),
        Binding(
            "shift+enter", "previous", "Previous match", id="traffic-filter.previous", tooltip="Find the previous match"
        ),
    ]

    mode = reactive("filter")

    @dataclass
    class Applied(Message):
        """A checked expression for `mode` (None: cleared)."""

        mode: str
        expression: TrafficFilter | None
        backwards: bool = False

    @dataclass
    class Problem(Message):
        """The expression as typed cannot be used: say why and where."""

        error: FilterError | None

    @dataclass
    class Closed(Message):
        """The user is done with the bar."""

    def watch_mode(self, mode: str) -> None:
        self.placeholder = PLACEHOLDERS[mode]

    @on(Input.Changed)
    def check(self) -> None:
        try:
            compile_filter(self.value)
        except FilterError as error:
            self.post_message(self.Problem(error))
            return
        self.post_message(self.Problem(None))

    @on(Input.Submitted)
    def apply(self) -> None:
        self._apply(backwards=False)

    def action_previous(self) -> None:
        self._apply(backwards=True)

    def _apply(self, backwards: bool) -> None:
        try:
            expression = compile_filter(self.value)
        except FilterError as error:
            self.cursor_position = error.position
            self.post_message(self.Problem(error))
            return
        self.post_message(self.Applied(self.mode, expression if self.value.strip() else None, backwards))

    def action_close(self) -> None:
        self.post_message(self.Closed())
