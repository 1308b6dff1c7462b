"""The console with several accounts logged in at once (`iqconsole --accounts alice,bob`).

Each account has its own Session, traffic store and responders; the log shows every account's
traffic with an account column (core/merged_traffic.py), or only the chosen account's. The
composer sends from the chosen account, the responders pane shows its responders, the status bar
names it, and a key moves to the next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on
from textual.binding import Binding
from textual.reactive import reactive

from iqconsole.core.account import Account
from iqconsole.core.account_file import NamedAccount
from iqconsole.core.client import ConnectionFailure, ConnectionState, StateChange
from iqconsole.core.discovery import Discovery
from iqconsole.core.merged_traffic import MergedTraffic
from iqconsole.core.responders import ResponderSet
from iqconsole.core.server_features import ServerFeatures
from iqconsole.core.session import Session
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.traffic import DEFAULT_CAPACITY, TrafficEntry
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.responders.responder_table import ResponderTable
from iqconsole.ui.screens.login_screen import LoginScreen
from iqconsole.ui.traffic.console_traffic_view import ConsoleTrafficView

_LOST = (ConnectionState.DISCONNECTED, ConnectionState.FAILED, ConnectionState.RECONNECTING)


class MultiAccountApp(IqConsoleApp):
    BINDINGS = [
        Binding(
            "ctrl+f",
            "next_account",
            "Next account",
            id="app.next-account",
            tooltip="Send from the next account (the status bar names the one chosen)",
        ),
    ]

    chosen = reactive("")  # the account the composer sends from

    def __init__(
        self,
        accounts: Sequence[NamedAccount],
        *,
        capacity: int = DEFAULT_CAPACITY,
        responders: ResponderSet | None = None,
        connect_on_start: bool = True,
        **kwargs: Any,
    ):
        """`accounts`: the first is chosen at start; `responders` are the first account's (the
        others start with none); `connect_on_start`: log every account in once shown."""
        merged = MergedTraffic(capacity)
        super().__init__(accounts[0].account, store=merged, responders=responders, connect_on_start=False, **kwargs)
        self.merged = merged
        self.names = [named.name for named in accounts]
        self.accounts = {named.name: named.account for named in accounts}
        self.account_stores = {name: merged.account_store(name) for name in self.names}
        self.account_responders = {
            name: self.responders if name == self.names[0] else ResponderSet() for name in self.names
        }
        for responders_of_account in self.account_responders.values():
            responders_of_account.server_pushes = self.responders.server_pushes
        self.sessions: dict[str, Session] = {}
        self.account_features: dict[str, ServerFeatures] = {}
        self.account_discoveries: dict[str, Discovery] = {}  # each account's answers, kept for its F8
        self.set_reactive(MultiAccountApp.chosen, self.names[0])
        self.log_in_at_start = connect_on_start
        if self.greeting:
            self.greeting += f" {self.key_label('app.next-account')} sends from the next account."

    def on_mount(self) -> None:
        self.traffic.show_accounts(self.names)
        self._show_choice()
        if self.log_in_at_start:
            self.call_after_refresh(self._log_in_all)

    def _log_in_all(self) -> None:
        if self.journal is not None:
            jids = ", ".join(account.jid for account in self.accounts.values())
            self.journal.begin(jids, self.accounts[self.chosen].address)
        for name in self.names:
            account = self.accounts[name]
            if account.password:
                self._open(name, account)
            else:
                self._ask(name, account, "")

    # -- connections -----------------------------------------------------------------------

    def connect_account(self, account: Account) -> None:
        """The login form or a redirect, for the chosen account."""
        self._open(self.chosen, account)

    def _ask(self, name: str, account: Account, problem: str) -> None:
        self.push_screen(LoginScreen(account, problem), lambda entered: self._open(name, entered) if entered else None)

    def _open(self, name: str, account: Account) -> None:
        self.accounts[name] = account
        if name == self.chosen:
            self.account = account
            self.status_bar.account = account.jid
            self.status_bar.insecure = account.insecure
        self.run_worker(
            self._connect_named(name, account), exclusive=True, group=f"connect-{name}", exit_on_error=False
        )

    async def _connect_named(self, name: str, account: Account) -> None:
        earlier = self.sessions.pop(name, None)
        if earlier is not None:
            await earlier.close()
        session = self.new_session(account, self.account_stores[name], self.account_responders[name])
        self.sessions[name] = session
        discovery = self.account_discoveries[name] = Discovery(session)
        if name == self.chosen:
            self.session = session
            self.browse_with(discovery)
        session.state_changed.subscribe(lambda change: self._account_state_changed(name, session, change))
        session.pending_changed.subscribe(lambda _: self._show_pending(session))
        session.features_found.subscribe(lambda features: self._account_features_found(name, features))
        try:
            await session.open()
        except ConnectionFailure as failure:
            self.notify(
                terminal_safe(f"{name}: {failure}"),
                title="Connection failed",
                severity="error",
                timeout=10,
                markup=False,
            )
            if failure.redirect is None or name != self.chosen:  # the chosen one's redirect has its own question
                self._ask(name, account, str(failure))

    def _account_state_changed(self, name: str, session: Session, change: StateChange) -> None:
        if session is not self.sessions.get(name):
            return
        if name == self.chosen:
            self._state_changed(change)
        elif change.state in _LOST:
            self.notify(terminal_safe(f"{name}: {change.message}"), severity="warning", timeout=10, markup=False)

    def _account_features_found(self, name: str, features: ServerFeatures) -> None:
        self.account_features[name] = features
        if name == self.chosen:
            self._features_found(features)

    async def on_unmount(self) -> None:
        for session in self.sessions.values():
            await session.close()

    # -- the chosen account ------------------------------------------------------------------

    def action_next_account(self) -> None:
        self.chosen = self.names[(self.names.index(self.chosen) + 1) % len(self.names)]

    def watch_chosen(self, name: str) -> None:
        """Send from `name`: the composer, the status bar and the responders pane follow."""
        account = self.account = self.accounts[name]
        session = self.session = self.sessions.get(name)
        self.responders = self.account_responders[name]
        self.query_one(ResponderTable).show_set(self.responders)
        self.server_features = self.account_features.get(name)
        self.browse_with(self.account_discoveries.get(name))
        status = self.status_bar
        status.account = session.own_jid if session is not None else account.jid
        status.state = session.state if session is not None else ConnectionState.DISCONNECTED
        status.detail = session.detail if session is not None else ""
        status.insecure = account.insecure
        self._show_choice()
        if self.traffic.only_account is not None:
            self.traffic.only_account = name
        self.composer.context = self.composer_context()
        self.composer.pending = dict(session.pending) if session is not None else {}
        self.refresh_bindings()
        self.notify(f"Sending from {name} ({terminal_safe(status.account)}).", markup=False)

    def _show_choice(self) -> None:
        number = self.names.index(self.chosen) + 1
        key = self.key_label("app.next-account")
        self.status_bar.account_choice = f"{self.chosen} ({number} of {len(self.names)}, {key} next)"

    @on(ConsoleTrafficView.AccountScopeRequested)
    def toggle_account_scope(self) -> None:
        view = self.traffic
        view.only_account = None if view.only_account is not None else self.chosen

    def as_logged(self, entry: TrafficEntry) -> TrafficEntry:
        for name, store in self.account_stores.items():
            if store.by_seq(entry.seq) is entry:
                return self.merged.copy_of(name, entry) or entry
        return entry
