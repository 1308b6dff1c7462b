"""The iqconsole application: three panes over one core, on one asyncio loop with slixmpp."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import quoteattr

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from iqconsole.core import locations
from iqconsole.core.account import Account
from iqconsole.core.client import (
    DEFAULT_REPLY_TIMEOUT,
    ConnectionFailure,
    ConnectionState,
    ConsoleClient,
    ReplyTimeout,
    StateChange,
)
from iqconsole.core.history import History
from iqconsole.core.responder_files import load_responders, save_responders
from iqconsole.core.responders import Responder, ResponderError, ResponderSet
from iqconsole.core.server_features import DISCO_INFO, DISCO_ITEMS, ServerFeatures, parse_disco_info, parse_disco_items
from iqconsole.core.stanza import Outgoing, StanzaError, error_condition, prepare
from iqconsole.core.stream_errors import Redirect
from iqconsole.core.templates import Template, TemplateError, discover_templates, save_user_template
from iqconsole.core.themes import DEFAULT_THEME, discover_themes
from iqconsole.core.traffic import DEFAULT_CAPACITY, TrafficEntry, TrafficStore
from iqconsole.core.validation import Checked, Context, check
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.composer.composer_pane import ComposerPane
from iqconsole.ui.composer.preview_screen import PreviewScreen
from iqconsole.ui.composer.save_template_screen import SaveTemplateScreen
from iqconsole.ui.composer.template_picker import TemplatePicker
from iqconsole.ui.responders.responder_form import ResponderForm
from iqconsole.ui.responders.responder_table import ResponderTable
from iqconsole.ui.screens.confirm_screen import ConfirmScreen
from iqconsole.ui.screens.help_screen import HelpScreen
from iqconsole.ui.screens.login_screen import LoginScreen
from iqconsole.ui.screens.path_screen import PathScreen
from iqconsole.ui.screens.redirect_screen import RedirectScreen
from iqconsole.ui.screens.server_features_screen import ServerFeaturesScreen
from iqconsole.ui.status_bar import StatusBar
from iqconsole.ui.themes import VARIABLE_DEFAULTS, to_textual_theme
from iqconsole.ui.traffic.traffic_detail import TrafficDetail
from iqconsole.ui.traffic.traffic_pane import TrafficPane
from iqconsole.ui.traffic.traffic_view import TrafficView

MAX_COMPONENTS = 20  # disco#info is asked of at most this many of the server's items


@dataclass(frozen=True)
class SendOutcome:
    """How many stanzas went out, and why the next one did not (None: all went)."""

    count: int
    error: StanzaError | None


def calm_garbage_collector() -> None:
    """Keep full collections off the UI's own long-lived objects, and make them rarer.

    Under a flood each stored stanza is a tracked object; full collections walking the whole
    app then paused the loop for up to 300 ms (bench/flood.py). Entries hold no cycles."""
    gc.freeze()
    gc.set_threshold(10_000, 50, 1_000)


class IqConsoleApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "iqconsole"
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help", tooltip="Explain the focused pane and its keys"),
        Binding("f2", "focus('editor')", "Composer", id="app.focus-composer", show=False),
        Binding("f3", "focus('traffic')", "Traffic", id="app.focus-traffic", show=False),
        Binding("f4", "focus('responders')", "Responders", id="app.focus-responders", show=False),
        Binding("ctrl+l", "login", "Account", id="app.login", tooltip="Log in again or change account"),
        Binding(
            "f8",
            "server_features",
            "Server features",
            id="app.server-features",
            show=False,
            tooltip="What the server and its components announce",
        ),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        account: Account | None = None,
        *,
        theme_name: str | None = None,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        capacity: int = DEFAULT_CAPACITY,
        store: TrafficStore | None = None,
        viewer: bool = False,
        responders: ResponderSet | None = None,
        responders_file: Path | None = None,
        connect_on_start: bool = True,
        companions: tuple[Callable[[], Awaitable[None]], ...] = (),
        greeting: str = "",
        variables: dict[str, str] | None = None,
    ):
        """`companions` run on the app's loop for its whole life (the sandbox's demo peer);
        `greeting` is shown once at start; `variables` are the user's own `${name}`s;
        `store` is recorded traffic to read; `viewer` shows only the log (`iqconsole view`)."""
        super().__init__()
        self.account = account
        self.requested_theme = theme_name or DEFAULT_THEME
        self.reply_timeout = reply_timeout
        self.store = store if store is not None else TrafficStore(capacity)
        self.viewer = viewer
        self.responders = responders if responders is not None else ResponderSet()
        self.responders_file = responders_file or locations.responders_dir() / "responders.toml"
        self.client: ConsoleClient | None = None
        self.connect_on_start = connect_on_start
        self.companions = companions
        self.greeting = greeting
        self.variables = dict(variables or {})
        self.history = History(locations.history_file())
        self.templates: dict[str, Template] = {}
        self.server_features: ServerFeatures | None = None
        self._warned: tuple[str, int | None] | None = None  # the send whose warnings were shown

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as attributes: they stay reachable while a modal screen is on top.
        self.status_bar = StatusBar(self.store, id="status")
        self.composer = ComposerPane(self.history, locations.draft_file(), self.reply_timeout, id="composer")
        self.traffic = TrafficView(self.store, id="traffic")
        self.detail = TrafficDetail(self.store, id="detail")
        yield self.status_bar
        with Horizontal(id="main"):
            yield self.composer
            with Vertical(id="traffic-pane"):
                yield TrafficPane(self.traffic, id="traffic-log")
                yield self.detail
        yield ResponderTable(self.responders, id="responders")
        yield Footer()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        self.call_after_refresh(calm_garbage_collector)
        self._load_themes()
        self.composer.border_title = "Composer"
        self.traffic.border_title = "Traffic"
        self.detail.border_title = "Detail"
        self.query_one(ResponderTable).border_title = "Responders"
        self.status_bar.insecure = bool(self.account and self.account.insecure)
        if self.viewer:
            self.add_class("-viewer")
            self.traffic.focus()
        else:
            self.composer.editor.focus()
        self.composer.context = self.composer_context()
        self._load_templates()
        if self.greeting:
            self.notify(self.greeting, title="iqconsole", timeout=15)
        for companion in self.companions:
            self.run_worker(companion(), group="companions", exit_on_error=False)
        if not self.connect_on_start:
            return
        if self.account is not None and self.account.password:
            self.connect_account(self.account)
        else:
            self.action_login()

    def _load_themes(self) -> None:
        themes, errors = discover_themes()
        for spec in themes.values():
            self.register_theme(to_textual_theme(spec))
        for error in errors:
            self.notify(error, title="Theme not loaded", severity="error")
        if self.requested_theme in self.available_themes:
            self.theme = self.requested_theme
        else:
            self.notify(
                f"No theme named {self.requested_theme!r}; using {DEFAULT_THEME}. "
                f"Available: {', '.join(sorted(themes))}",
                severity="error",
            )
            self.theme = DEFAULT_THEME

    # -- connection ------------------------------------------------------------------------

    def action_login(self) -> None:
        problem = self.status_bar.detail if self.client and self.client.state is ConnectionState.FAILED else ""
        self.push_screen(LoginScreen(self.account, problem), self._login_entered)

    def _login_entered(self, account: Account | None) -> None:
        if account is not None:
            self.connect_account(account)

    def connect_account(self, account: Account) -> None:
        self.account = account
        status = self.status_bar
        status.account = account.jid
        status.insecure = account.insecure
        self.run_worker(self._connect(account), exclusive=True, group="connect", exit_on_error=False)

    async def _connect(self, account: Account) -> None:
        if self.client is not None:
            await self.client.close()
        self.client = ConsoleClient(account, self.store, self.responders, on_state=self._state_changed)
        try:
            await self.client.start_session()
        except ConnectionFailure as failure:
            self.notify(str(failure), title="Connection failed", severity="error", timeout=10)
            if failure.redirect is None:  # a redirect has its own question (see _state_changed)
                self.push_screen(LoginScreen(account, str(failure)), self._login_entered)

    def _state_changed(self, change: StateChange) -> None:
        status = self.status_bar
        was_online = status.state is ConnectionState.ONLINE
        status.state = change.state
        status.detail = change.message
        if change.state is ConnectionState.ONLINE:
            status.account = change.message.removeprefix("online as ")
            self.composer.context = self.composer_context()
            self.run_worker(self._discover_server(), exclusive=True, group="disco", exit_on_error=False)
        elif was_online and change.state is ConnectionState.DISCONNECTED:
            self.notify(f"{change.message}. Press Ctrl+L to log in again.", severity="warning", timeout=10)
        if change.redirect is not None and self.account is not None:
            self.push_screen(RedirectScreen(self.account, change.redirect), self._redirect_answered(change.redirect))

    def _redirect_answered(self, redirect: Redirect) -> Callable[[bool | None], None]:
        def answered(go: bool | None) -> None:
            if go and self.account is not None:
                self.connect_account(replace(self.account, host=redirect.host, port=redirect.port))

        return answered

    async def on_unmount(self) -> None:
        if self.client is not None:
            await self.client.close()

    # -- sending ---------------------------------------------------------------------------

    def composer_context(self) -> Context:
        """What the variables stand for now: the account, the selected entry's sender, the user's own."""
        own = self.client.boundjid.full if self.client is not None and self.client.online else ""
        if not own and self.account is not None:
            own = self.account.jid
        selected = self.traffic.selected_entry
        return Context(own, selected.sender if selected is not None else "", self.variables)

    @on(ComposerEditor.SendRequested)
    def send_from_editor(self, event: ComposerEditor.SendRequested) -> None:
        composer = self.composer
        checked = check(event.text, self.composer_context(), event.cursor)
        if checked.errors:
            problem = checked.errors[0]
            composer.report(f"✖ Not sent: {problem}", "error")
            if problem.line is not None:
                event.editor.move_cursor((problem.line - 1, max(0, (problem.column or 1) - 1)))
            return
        attempt = (event.text, event.cursor)
        if checked.warnings and self._warned != attempt:
            self._warned = attempt
            warnings = "; ".join(str(problem) for problem in checked.warnings)
            composer.report(f"⚠ {warnings}. Press the send key again to send anyway.", "error")
            return
        self._warned = None
        sent = self._send_checked(checked)
        if sent.error is not None:
            done = f"sent {sent.count} of {len(checked.stanzas)}, then stopped: " if sent.count else "Not sent: "
            composer.report(f"✖ {done}{sent.error}", "error")
            return
        try:
            for source in checked.sources if event.cursor is not None else ["\n\n".join(checked.sources)]:
                self.history.add(source)
        except OSError as error:
            self.notify(f"History not saved: {error.strerror or error}", severity="warning")
        names = ", ".join(
            f"<{outgoing.element.tag.split('}')[-1]} id={outgoing.element.get('id', '')}>"
            for outgoing in checked.stanzas
        )
        waiting = any(outgoing.is_request for outgoing in checked.stanzas)
        rest = (
            f" ({len(checked.stanzas)} of {checked.total}; F5 sends all)"
            if checked.total > len(checked.stanzas)
            else ""
        )
        composer.report(f"→ Sent {names}{rest}" + ("; waiting for the reply…" if waiting else ""))

    def _send_checked(self, checked: Checked) -> SendOutcome:
        """Send in order; stop at the first that cannot go (the ones before it are out)."""
        if self.client is None or not self.client.online:
            return SendOutcome(0, StanzaError("not connected: press Ctrl+L to log in"))
        timeout = self.composer.timeout
        for count, outgoing in enumerate(checked.stanzas):
            try:
                future = self.client.send_outgoing(outgoing, timeout)
            except StanzaError as error:
                return SendOutcome(count, error)
            if future is not None:
                self.composer.add_pending(outgoing.element.get("id", ""), timeout)
                self.run_worker(self._await_reply(outgoing, future), group="replies", exit_on_error=False)
        return SendOutcome(len(checked.stanzas), None)

    async def _await_reply(self, outgoing: Outgoing, future) -> None:
        composer = self.composer
        stanza_id = outgoing.element.get("id", "")
        try:
            reply: TrafficEntry = await future
        except ReplyTimeout as timeout:
            composer.report(f"⧗ No reply to {stanza_id} within {timeout.timeout:g} s (timed out)", "error")
            return
        except ConnectionFailure as failure:
            composer.report(f"✖ {failure}", "error")
            return
        finally:
            composer.remove_pending(stanza_id)
        pairing = self.store.pairing_of(reply)
        elapsed = pairing.round_trip * 1000 if pairing is not None and pairing.round_trip is not None else 0.0
        if self.traffic.selected is None:
            self.detail.entry = reply
        sender = reply.sender or "the server"
        if reply.type == "error":
            composer.report(
                f"✖ Error reply to {stanza_id} from {sender} in {elapsed:.1f} ms: {error_condition(reply.xml)}", "error"
            )
        else:
            composer.report(f"✔ Result for {stanza_id} from {sender} in {elapsed:.1f} ms", "success")

    def cancel_pending(self) -> None:
        pending = list(self.composer.pending)
        if not pending:
            self.composer.report("Nothing is waiting for a reply.")
            return
        for stanza_id in pending:
            if self.client is not None:
                self.client.cancel_wait(stanza_id)
            self.composer.remove_pending(stanza_id)
        self.composer.report(f"⊘ Stopped waiting for {', '.join(pending)} (cancelled)", "error")

    # -- templates, preview, server features -------------------------------------------------

    @on(ComposerPane.Requested)
    def composer_requested(self, event: ComposerPane.Requested) -> None:
        editor = self.composer.editor
        if event.action == "templates":
            self.push_screen(
                TemplatePicker(self.templates, self.composer_context(), self.server_features), self.insert_template
            )
        elif event.action == "save-template":
            self.push_screen(SaveTemplateScreen(str(locations.templates_dir())), self._save_template)
        elif event.action == "preview":
            self.push_screen(PreviewScreen(check(editor.text, self.composer_context())))
        elif event.action == "cancel":
            self.cancel_pending()

    def _load_templates(self) -> None:
        self.templates, errors = discover_templates(locations.templates_dir())
        for error in errors:
            self.notify(error, title="Template not loaded", severity="error", timeout=10)

    def insert_template(self, template: Template | None) -> None:
        """Put the template where the cursor is (replacing a selection, or a blank editor)."""
        if template is None:
            return
        editor = self.composer.editor
        if not editor.text.strip():
            editor.text = template.body + "\n"
            editor.move_cursor((0, 0))
        else:
            row = editor.cursor_location[0]
            line = editor.document.get_line(row)
            if line.strip():  # below the current line
                editor.insert("\n" + template.body, (row, len(line)))
                row += 1
            else:
                editor.insert(template.body, (row, 0))
            editor.move_cursor((row, 0))
        editor.focus()
        self.composer.report(f"Inserted the template {template.title!r}: Ctrl+J sends it.")

    def _save_template(self, answer: tuple[str, str] | None, overwrite: bool = False) -> None:
        if answer is None:
            return
        title, description = answer
        try:
            path = save_user_template(
                locations.templates_dir(), title, self.composer.editor.text, description, overwrite=overwrite
            )
        except TemplateError as error:
            if "already exists" in str(error):
                self.push_screen(
                    ConfirmScreen(f"{error}. Overwrite it?"),
                    lambda yes: yes and self._save_template(answer, overwrite=True),
                )
            else:
                self.notify(str(error), title="Template not saved", severity="error", timeout=10)
            return
        self._load_templates()
        self.notify(f"Saved as {path}", title="Template saved")

    async def _discover_server(self) -> None:
        """Once per login: disco#info and disco#items of the server, then disco#info of each item."""
        client = self.client
        if client is None:
            return
        domain = client.boundjid.domain
        features = ServerFeatures()

        async def ask(namespace: str, jid: str) -> str | None:
            (outgoing,) = prepare(f'<iq type="get" to={quoteattr(jid)}><query xmlns="{namespace}"/></iq>')
            try:
                return (await client.send_outgoing(outgoing, self.reply_timeout)).xml
            except (ReplyTimeout, ConnectionFailure, StanzaError):
                return None

        async def add_info(jid: str) -> None:
            with contextlib.suppress(ValueError):  # no answer or an error: nothing announced
                features.add(parse_disco_info(await ask(DISCO_INFO, jid) or "", jid))

        await add_info(domain)
        try:
            components = parse_disco_items(await ask(DISCO_ITEMS, domain) or "")
        except ValueError:
            components = []
        for component in components[:MAX_COMPONENTS]:
            await add_info(component)
        self.server_features = features

    def action_server_features(self) -> None:
        self.push_screen(ServerFeaturesScreen(self.server_features))

    @on(TrafficView.ComposeRequested)
    def compose_from_log(self, event: TrafficView.ComposeRequested) -> None:
        editor = self.composer.editor
        if not editor.text.strip():
            editor.text = event.text
        else:  # added after what is there (undoable), never replacing what the user wrote
            end = editor.document.end
            editor.insert("\n\n" + event.text, end)
            editor.move_cursor((end[0] + 2, 0))
        editor.focus()
        self.composer.report("From the log: edit it, then Ctrl+J sends the stanza under the cursor.")

    @on(TrafficView.Selected)
    def show_selected(self, event: TrafficView.Selected) -> None:
        if event.entry is not None:
            self.detail.entry = event.entry
        self.composer.context = self.composer_context()

    # -- responders ------------------------------------------------------------------------

    @on(ResponderTable.Requested)
    def responder_requested(self, event: ResponderTable.Requested) -> None:
        name, responders = event.name, self.responders
        taken = {responder.name for responder in responders}
        selected = self.traffic.selected_entry
        sample = selected.xml if selected is not None else None
        if event.action == "add":
            self.push_screen(ResponderForm(taken_names=taken, sample=sample), self._responder_saved)
        elif event.action == "edit":
            original = responders.get(name)
            self.push_screen(
                ResponderForm(original, taken, sample), lambda edited: self._responder_saved(edited, original.name)
            )
        elif event.action == "toggle":
            responders.set_enabled(name, not responders.get(name).enabled)
        elif event.action == "duplicate":
            responders.duplicate(name)
        elif event.action in ("up", "down"):
            responders.move(name, -1 if event.action == "up" else 1)
        elif event.action == "delete":
            self.push_screen(
                ConfirmScreen(f"Delete the responder {name!r}?"), lambda yes: yes and responders.remove(name)
            )
        elif event.action == "save":
            self.push_screen(PathScreen("Save the responders to", self.responders_file), self._save_responders)
        elif event.action == "open":
            self.push_screen(PathScreen("Load responders from", self.responders_file), self._open_responders)

    def _responder_saved(self, responder: Responder | None, replacing: str | None = None) -> None:
        if responder is None:
            return
        try:
            if replacing is None:
                self.responders.insert(responder)
            else:
                self.responders.replace(replacing, responder)
        except ResponderError as error:
            self.notify(str(error), title="Responder not saved", severity="error")

    def _save_responders(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            save_responders(self.responders, path)
        except OSError as error:
            self.notify(f"{path}: {error.strerror or error}", title="Responders not saved", severity="error")
            return
        self.responders_file = path
        self.notify(f"{len(self.responders)} responder(s) saved to {path}", title="Responders")

    def _open_responders(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            loaded = load_responders(path)
        except ResponderError as error:
            self.notify(str(error), title="Responders not loaded", severity="error", timeout=15)
            return
        self.responders.replace_all(loaded)
        self.responders_file = path
        self.notify(f"{len(loaded)} responder(s) loaded from {path}", title="Responders")

    # -- help and palette ------------------------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.focused, list(self.BINDINGS)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Send", "Send the stanza under the cursor in the composer", self.composer.editor.action_send
        )
        yield SystemCommand(
            "Send all", "Send every stanza in the composer, in order", lambda: self.composer.editor.action_send(True)
        )
        yield SystemCommand(
            "Insert template",
            "Pick a template (fuzzy search, preview)",
            lambda: self.composer.action_request("templates"),
        )
        yield SystemCommand(
            "Save as template",
            "Keep the composer's text as your own template",
            lambda: self.composer.action_request("save-template"),
        )
        yield SystemCommand(
            "Preview stanzas",
            "The composer's stanzas as they will be sent",
            lambda: self.composer.action_request("preview"),
        )
        yield SystemCommand("Cancel waiting", "Stop waiting for the pending replies", self.cancel_pending)
        yield SystemCommand(
            "Server features",
            "What the server and its components announce, with XEP names",
            self.action_server_features,
        )
        yield SystemCommand(
            "Add responder",
            "Answer matching incoming IQs automatically",
            lambda: self.responder_requested(ResponderTable.Requested("add", None)),
        )
        yield SystemCommand("Log in / change account", "Reconnect or switch account", self.action_login)
        yield SystemCommand("Follow traffic", "Jump to the newest stanza and follow", self.traffic.action_follow)
        yield SystemCommand("Help", "Explain the focused pane and its keys", self.action_help)
        yield from super().get_system_commands(screen)
