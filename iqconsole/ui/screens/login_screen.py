"""Log in, retry or change account without restarting; the password stays masked."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from iqconsole.core.account import Account, Secret
from iqconsole.core.terminal_safe import terminal_safe


class LoginScreen(ModalScreen[Account | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="login.cancel"),
        Binding("ctrl+r", "reveal", "Show/hide password", id="login.reveal"),
    ]

    def __init__(self, account: Account | None = None, problem: str = ""):
        super().__init__()
        self._account = account or Account("")
        self._problem = problem

    def compose(self) -> ComposeResult:
        account = self._account
        with Vertical(id="login"):
            yield Label("Log in", classes="title")
            yield Static(self._problem and f"✖ {terminal_safe(self._problem)}", id="login-problem", markup=False)
            yield Label("JID")
            yield Input(account.jid, placeholder="alice@example.org", id="login-jid")
            yield Label("Password (Ctrl+R shows it)")
            yield Input(account.password.reveal(), password=True, id="login-password")
            with Horizontal(id="login-address"):
                with Vertical():
                    yield Label("Host (empty: DNS SRV)")
                    yield Input(account.host or "", id="login-host")
                with Vertical():
                    yield Label("Port")
                    yield Input(str(account.port or ""), type="integer", id="login-port")
            yield Label("Trust this CA/certificate file (optional)")
            yield Input(str(account.ca_file or ""), id="login-ca-file")
            yield Checkbox("Skip TLS verification (insecure)", account.insecure, id="login-insecure")
            with Horizontal(id="login-buttons"):
                yield Button("Connect", variant="primary", id="login-connect")
                yield Button("Cancel", id="login-cancel")

    def on_mount(self) -> None:
        empty = "#login-jid" if not self._account.jid else "#login-password"
        self.query_one(empty, Input).focus()

    def action_reveal(self) -> None:
        field = self.query_one("#login-password", Input)
        field.password = not field.password

    @on(Input.Submitted)
    @on(Button.Pressed, "#login-connect")
    def connect(self) -> None:
        jid = self.query_one("#login-jid", Input).value.strip()
        if "@" not in jid and "." not in jid:
            self.query_one("#login-problem", Static).update("✖ write a JID such as alice@example.org")
            return
        port_text = self.query_one("#login-port", Input).value.strip()
        ca_text = self.query_one("#login-ca-file", Input).value.strip()
        if ca_text and not Path(ca_text).is_file():
            self.query_one("#login-problem", Static).update(f"✖ no such file: {ca_text}")
            return
        self.dismiss(
            Account(
                jid,
                Secret(self.query_one("#login-password", Input).value),
                host=self.query_one("#login-host", Input).value.strip() or None,
                port=int(port_text) if port_text else None,
                ca_file=Path(ca_text) if ca_text else None,
                insecure=self.query_one("#login-insecure", Checkbox).value,
                direct_tls=self._account.direct_tls,
            )
        )

    @on(Button.Pressed, "#login-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
