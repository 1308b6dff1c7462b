"""Log in, retry or change account without restarting; the password stays masked.

Each field is checked by the same rules as the command-line options (core/settings.py), and
a bad value is explained under its field."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from iqconsole.core.account import Account, Secret
from iqconsole.core.settings import Check, SettingError, account_jid, address, certificate_file, host, port
from iqconsole.core.terminal_safe import terminal_safe

# Input id -> its check; all but the JID may stay empty.
FIELD_CHECKS: dict[str, Check[Any]] = {
    "login-jid": account_jid,
    "login-host": host,
    "login-port": port,
    "login-ca-file": certificate_file,
}


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
            yield Static("", id="login-jid-problem", classes="field-problem")
            yield Label("Password (Ctrl+R shows it)")
            yield Input(account.password.reveal(), password=True, id="login-password")
            with Horizontal(id="login-address"):
                with Vertical():
                    yield Label("Host (empty: DNS SRV)")
                    yield Input(account.host or "", id="login-host")
                    yield Static("", id="login-host-problem", classes="field-problem")
                with Vertical():
                    yield Label("Port")
                    yield Input(str(account.port or ""), type="integer", id="login-port")
                    yield Static("", id="login-port-problem", classes="field-problem")
            yield Label("Trust this CA/certificate file (optional)")
            yield Input(str(account.ca_file or ""), id="login-ca-file")
            yield Static("", id="login-ca-file-problem", classes="field-problem")
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
        values = self._checked_fields()
        if values is None:
            return
        self.dismiss(
            Account(
                values["login-jid"],
                Secret(self.query_one("#login-password", Input).value),
                host=values["login-host"],
                port=values["login-port"],
                ca_file=values["login-ca-file"],
                insecure=self.query_one("#login-insecure", Checkbox).value,
                direct_tls=self._account.direct_tls,
                limits=self._account.limits,
            )
        )

    def _checked_fields(self) -> dict[str, Any] | None:
        """Each field's value (None when left empty), or None after showing every problem
        under its field and focusing the first."""
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for field_id, check in FIELD_CHECKS.items():
            text = self.query_one(f"#{field_id}", Input).value.strip()
            try:
                values[field_id] = check(text) if text or field_id == "login-jid" else None
            except SettingError as error:
                problems[field_id] = error.field_message
        if "login-port" not in problems and "login-host" not in problems:
            try:
                address(values["login-host"], values["login-port"])
            except SettingError as error:
                problems["login-port"] = error.field_message
        for field_id in FIELD_CHECKS:
            self._show_problem(field_id, problems.get(field_id, ""))
        if problems:
            self.query_one(f"#{next(iter(problems))}", Input).focus()
            return None
        return values

    @on(Input.Changed)
    def field_changed(self, event: Input.Changed) -> None:
        if event.input.id in FIELD_CHECKS:
            self._show_problem(event.input.id, "")

    def _show_problem(self, field_id: str, problem: str) -> None:
        line = self.query_one(f"#{field_id}-problem", Static)
        line.update(problem and f"✖ {problem}")
        line.display = bool(problem)
        self.query_one(f"#{field_id}", Input).set_class(bool(problem), "-invalid")

    @on(Button.Pressed, "#login-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
