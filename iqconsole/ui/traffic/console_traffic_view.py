"""The console's traffic log: the recorded log's keys, plus replay and replies into the composer."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message

from iqconsole.core.replay import replay_text, reply_text
from iqconsole.core.stanza import StanzaError
from iqconsole.ui.traffic.traffic_view import TrafficView


class ConsoleTrafficView(TrafficView):
    HELP = (
        TrafficView.HELP
        + """
**r** replays the selected stanza in the composer with a fresh id, **R** prepares a result to
a request (**E** an error reply). With several accounts, each row names its account and **a**
shows only the chosen account's traffic, or every account's again.
"""
    )

    BINDINGS = [
        Binding(
            "r",
            "compose('replay')",
            "Replay",
            id="traffic.replay",
            tooltip="Put the selected stanza in the composer with a fresh id",
        ),
        Binding(
            "R",
            "compose('reply')",
            "Reply",
            id="traffic.reply",
            show=False,
            tooltip="Prepare a result to the selected request",
        ),
        Binding(
            "E",
            "compose('error')",
            "Error reply",
            show=False,
            id="traffic.error-reply",
            tooltip="Prepare an error reply to the selected request",
        ),
        Binding(
            "a",
            "account_scope",
            "This account",
            id="traffic.account-scope",
            tooltip="Show only the chosen account's traffic, or every account's (with several accounts)",
        ),
    ]

    class AccountScopeRequested(Message):
        """Show only the chosen account's traffic, or every account's again."""

    @dataclass
    class ComposeRequested(Message):
        """Put this text in the composer (replay or reply)."""

        text: str

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "account_scope":
            return self.account_width > 0  # one account: nothing to choose
        return True

    def action_account_scope(self) -> None:
        self.post_message(self.AccountScopeRequested())

    def action_compose(self, how: str) -> None:
        entry = self.selected_entry
        if entry is None:
            self.notify("Select a stanza first (↑/↓).", severity="warning")
            return
        try:
            text = replay_text(entry) if how == "replay" else reply_text(entry, error=how == "error")
        except StanzaError as error:
            self.notify(str(error), severity="warning")
            return
        self.post_message(self.ComposeRequested(text))
