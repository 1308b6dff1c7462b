"""The iqconsole application: three panes over one core, on one asyncio loop with slixmpp."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from iqconsole.core import locations
from iqconsole.core.account import Account
from iqconsole.core.client import (
    DEFAULT_REPLY_TIMEOUT,
    ConnectionFailure,
    ConnectionState,
    StateChange,
    StreamManagement,
)
from iqconsole.core.discovered_services import discovered_services
from iqconsole.core.discovery import Discovery
from iqconsole.core.events import Listeners
from iqconsole.core.file_problems import reason
from iqconsole.core.history import History
from iqconsole.core.journal import Journal, JournalFolderError, PastSession, load_session, past_sessions
from iqconsole.core.reconnect import Backoff
from iqconsole.core.responder_files import load_responders, save_responders
from iqconsole.core.responders import Responder, ResponderError, ResponderSet
from iqconsole.core.sandbox import ProsodySandbox, SandboxError, describe_exit
from iqconsole.core.scansion.script import ScriptError
from iqconsole.core.scansion.suite import console_run
from iqconsole.core.server_features import DiscoInfo, ServerFeatures
from iqconsole.core.session import ReplyOutcome, Session, Settled
from iqconsole.core.stanza import stanza_insertion
from iqconsole.core.stream_errors import Redirect
from iqconsole.core.stream_reader import Limits
from iqconsole.core.templates import Template, TemplateError, discover_templates, save_user_template
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.themes import DEFAULT_THEME
from iqconsole.core.traffic import DEFAULT_CAPACITY, TrafficEntry, TrafficStore
from iqconsole.core.traffic_export import TrafficFileError
from iqconsole.core.validation import Context, check
from iqconsole.ui.commands import BindingCommands
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.composer.composer_pane import ComposerPane
from iqconsole.ui.composer.preview_screen import PreviewScreen
from iqconsole.ui.composer.save_template_screen import SaveTemplateScreen
from iqconsole.ui.composer.template_picker import TemplatePicker
from iqconsole.ui.discovery.discovery_screen import DiscoveryScreen
from iqconsole.ui.discovery.discovery_tree import DiscoveryTree
from iqconsole.ui.keymap import default_keys
from iqconsole.ui.responders.responder_form import ResponderForm
from iqconsole.ui.responders.responder_table import ResponderTable
from iqconsole.ui.screens.confirm_screen import ConfirmScreen
from iqconsole.ui.screens.help_screen import HelpScreen, declared_bindings
from iqconsole.ui.screens.journal_screen import JournalScreen
from iqconsole.ui.screens.login_screen import LoginScreen
from iqconsole.ui.screens.path_screen import PathScreen
from iqconsole.ui.screens.recording_screen import RecordingScreen
from iqconsole.ui.screens.redirect_screen import RedirectScreen
from iqconsole.ui.screens.script_screen import ScriptScreen
from iqconsole.ui.screens.server_features_screen import ServerFeaturesScreen
from iqconsole.ui.status_bar import StatusBar
from iqconsole.ui.themes import VARIABLE_DEFAULTS, use_themes
from iqconsole.ui.traffic.console_traffic_view import ConsoleTrafficView
from iqconsole.ui.traffic.traffic_detail import TrafficDetail
from iqconsole.ui.traffic.traffic_pane import TrafficPane
from iqconsole.ui.traffic.traffic_view import TrafficView

# How the composer marks a request that stopped waiting: symbol and outcome level.
_SETTLED_LOOK = {
    Settled.RESULT: ("✔", "success"),
    Settled.ERROR: ("✖", "error"),
    Settled.TIMED_OUT: ("⧗", "error"),
    Settled.LOST: ("✖", "error"),
}


BROWSER = "discovery"  # the installed browser screen's name: it keeps what was opened


def calm_garbage_collector() -> None:
    """Keep full collections off the UI's own long-lived objects, and make them rarer.

    Under a flood each stored stanza is a tracked object; full collections walking the whole
    app then paused the loop for up to 300 ms (bench/flood.py). Entries hold no cycles."""
    gc.freeze()
    gc.set_threshold(10_000, 50, 1_000)


class IqConsoleApp(App[None]):
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses elsewhere share it
    TITLE = "iqconsole"
    COMMANDS = App.COMMANDS | {BindingCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help", tooltip="Explain the focused pane and its keys"),
        Binding("f2", "focus('editor')", "Focus composer", id="app.focus-composer", show=False),
        Binding("f3", "focus('traffic')", "Focus traffic", id="app.focus-traffic", show=False),
        Binding("f4", "focus('responders')", "Focus responders", id="app.focus-responders", show=False),
        Binding("ctrl+l", "login", "Account…", id="app.login", tooltip="Log in again or change account"),
        Binding(
            "f8",
            "discovery",
            "Service discovery",
            id="app.discovery",
            show=False,
            tooltip="Walk what the server, its components and the account announce",
        ),
        Binding(
            "f12",
            "past_sessions",
            "Past sessions…",
            id="app.past-sessions",
            show=False,
            tooltip="List the sessions in the journal and open one",
        ),
        Binding(
            "ctrl+b",
            "stop_reconnecting",
            "Stop reconnecting",
            id="app.stop-reconnecting",
            tooltip="Stay offline instead of reconnecting after a lost connection",
        ),
        Binding(
            "ctrl+n",
            "start_sandbox_again",
            "Start the server again",
            id="app.sandbox-start-again",
            tooltip="Start the sandbox's server again on the same port, with the same accounts",
        ),
        Binding(
            "f11",
            "open_script",
            "Step through a script…",
            id="app.open-script",
            show=False,
            tooltip="Open a conversation script and perform its steps one by one, its traffic in a log",
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
        responders: ResponderSet | None = None,
        responders_file: Path | None = None,
        connect_on_start: bool = True,
        companions: tuple[Callable[[], Awaitable[None]], ...] = (),
        greeting: str = "",
        variables: dict[str, str] | None = None,
        keymap: dict[str, str] | None = None,
        limits: Limits | None = None,
        journal_folder: Path | None = None,
        stream_management: bool = False,
        reconnect: Backoff | None = Backoff(),  # noqa: B008 (frozen: one shared default is fine)
        sandbox: ProsodySandbox | None = None,
    ):
        """`companions` run on the app's loop for its whole life (the sandbox's demo peer);
        `greeting` is shown once at start; `variables` are the user's own `${name}`s;
        `store` is where the traffic is recorded (a new one when None);
        `keymap` rebinds keys by binding id (checked by ui/keymap.py);
        `limits` are for an account entered in the login form (`account` has its own);
        `journal_folder`: where the session's traffic is journaled (None: not journaled);
        `stream_management` enables XEP-0198 at login, `reconnect` is the schedule of attempts
        after a loss (None: stay offline); `sandbox`: the server `iqconsole sandbox` started, to
        offer starting it again when it dies."""
        super().__init__()
        self.keymap = dict(keymap or {})
        self.set_keymap(self.keymap)
        self.account = account
        self.limits = limits if limits is not None else Limits()
        self.requested_theme = theme_name or DEFAULT_THEME
        self.reply_timeout = reply_timeout
        self.store = store if store is not None else TrafficStore(capacity)
        self.journal_folder = journal_folder
        self.journal = Journal(journal_folder, self.store) if journal_folder is not None else None
        self.responders = responders if responders is not None else ResponderSet()
        self.responders_file = responders_file or locations.responders_dir() / "responders.toml"
        self.session: Session | None = None
        self.connect_on_start = connect_on_start
        self.companions = companions
        self.greeting = greeting
        self.stream_management = stream_management
        self.reconnect = reconnect
        self.sandbox = sandbox
        self._sandbox_back = asyncio.Event()
        self._sandbox_starting = False
        self.variables = dict(variables or {})
        self.history = History(locations.history_file())
        self.templates: dict[str, Template] = {}
        self.server_features: ServerFeatures | None = None  # what the server announced at login
        self.discovery: Discovery | None = None  # what the browser asked this session, kept
        self.chosen_peer = ""  # ${peer} chosen in the browser (else the selected entry's sender)
        self._warned: tuple[str, int | None] | None = None  # the send whose warnings were shown
        self.sent_from_composer: Listeners[tuple[str, ...]] = Listeners()  # the ids of what the user sent

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as attributes: they stay reachable while a modal screen is on top.
        self.status_bar = StatusBar(self.store, self._stream_management, id="status")
        self.composer = ComposerPane(self.history, locations.draft_file(), self.reply_timeout, id="composer")
        self.traffic = ConsoleTrafficView(self.store, id="traffic")
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
        if self.journal is not None:
            self.journal.failed.subscribe(self._journal_failed)
            self.journal.start()
        use_themes(self, self.requested_theme)
        self.composer.border_title = "Composer"
        self.traffic.border_title = "Traffic"
        self.detail.border_title = "Detail"
        self.query_one(ResponderTable).border_title = "Responders"
        self.status_bar.insecure = bool(self.account and self.account.insecure)
        self.composer.editor.focus()
        self.composer.context = self.composer_context()
        self._load_templates()
        if self.greeting:
            keys = f"{self.key_label('composer.send')} sends, {self.key_label('app.help')} explains."
            self.notify(f"{terminal_safe(self.greeting)} {keys}", title="iqconsole", timeout=15, markup=False)
        for companion in self.companions:
            self.run_worker(companion(), group="companions", exit_on_error=False)
        if self.sandbox is not None:
            self.run_worker(self._watch_sandbox(self.sandbox), group="sandbox", exit_on_error=False)
        if not self.connect_on_start:
            return
        if self.account is not None and self.account.password:
            self.connect_account(self.account)
        else:
            self.action_login()

    # -- connection ------------------------------------------------------------------------

    def action_login(self) -> None:
        if self.account is not None and self.account.component:  # the form is for accounts: log in again
            self.connect_account(self.account)
            return
        session = self.session
        problem = session.detail if session is not None and session.state is ConnectionState.FAILED else ""
        self.push_screen(LoginScreen(self.account or Account("", limits=self.limits), problem), self._login_entered)

    def _login_entered(self, account: Account | None) -> None:
        if account is not None:
            self.connect_account(account)

    def connect_account(self, account: Account) -> None:
        self.account = account
        status = self.status_bar
        status.account = account.jid
        status.insecure = account.insecure
        if self.journal is not None:
            self.journal.begin(account.jid, account.address)
        self.run_worker(self._connect(account), exclusive=True, group="connect", exit_on_error=False)

    async def _connect(self, account: Account) -> None:
        if self.session is not None:
            await self.session.close()
        session = self.new_session(account, self.store, self.responders)
        self.session = session
        self.browse_with(Discovery(session))
        session.state_changed.subscribe(self._state_changed)
        session.pending_changed.subscribe(lambda _: self._show_pending(session))
        session.features_found.subscribe(self._features_found)
        try:
            await session.open()
        except ConnectionFailure as failure:
            self.notify(
                terminal_safe(str(failure)), title="Connection failed", severity="error", timeout=10, markup=False
            )
            if (
                failure.redirect is None and not account.component
            ):  # a redirect has its own question (see _state_changed)
                self.push_screen(LoginScreen(account, str(failure)), self._login_entered)

    def new_session(self, account: Account, store: TrafficStore, responders: ResponderSet) -> Session:
        """A session as the console drives one: discovery after login, the app's timeout and connection settings."""
        return Session(
            account,
            store,
            responders,
            reply_timeout=self.reply_timeout,
            discover=True,
            stream_management=self.stream_management,
            reconnect=self.reconnect,
        )

    def _state_changed(self, change: StateChange) -> None:
        status = self.status_bar
        before = status.state
        status.state = change.state
        status.detail = change.message
        if change.state is ConnectionState.ONLINE:
            status.account = change.message.removeprefix("online as ").removesuffix(" (resumed)")
            self.composer.context = self.composer_context()
        elif before is ConnectionState.ONLINE and change.state is ConnectionState.RECONNECTING:
            self.notify(
                f"Connection lost: reconnecting by itself. {self.key_label('app.stop-reconnecting')} stops.",
                severity="warning",
                timeout=10,
                markup=False,
            )
        elif before in (ConnectionState.ONLINE, ConnectionState.RECONNECTING) and (
            change.state is ConnectionState.DISCONNECTED
        ):
            self.notify(
                f"{terminal_safe(change.message)}. Press {self.key_label('app.login')} to log in again.",
                severity="warning",
                timeout=10,
                markup=False,
            )
        if change.state is not before:
            self.refresh_bindings()  # the stop key is offered only while reconnecting
        if change.redirect is not None and self.account is not None:
            self.push_screen(RedirectScreen(self.account, change.redirect), self._redirect_answered(change.redirect))

    def _redirect_answered(self, redirect: Redirect) -> Callable[[bool | None], None]:
        def answered(go: bool | None) -> None:
            if go and self.account is not None:
                self.connect_account(replace(self.account, host=redirect.host, port=redirect.port))

        return answered

    def _stream_management(self) -> StreamManagement:
        return self.session.sm if self.session is not None else StreamManagement()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_reconnecting":
            return self.session is not None and self.session.reconnecting
        if action == "start_sandbox_again":
            return self.sandbox is not None and not self.sandbox.running and not self._sandbox_starting
        return True

    def action_stop_reconnecting(self) -> None:
        if self.session is not None and self.session.stop_reconnecting():
            self.notify("Stopped reconnecting: the console stays offline.", markup=False)

    # -- the sandbox's server ----------------------------------------------------------------

    async def _watch_sandbox(self, sandbox: ProsodySandbox) -> None:
        """Each time the sandbox's Prosody dies, say so and offer to start it again."""
        while True:
            status = await sandbox.wait_for_exit()
            self.refresh_bindings()
            key = self.key_label("app.sandbox-start-again")
            self.push_screen(
                ConfirmScreen(
                    f"The sandbox server ({sandbox.server}) {describe_exit(status)}. Start it again on "
                    f"{sandbox.host}:{sandbox.port} with the same accounts? ({key} does it later.)"
                ),
                lambda yes: self.action_start_sandbox_again() if yes else None,
            )
            await self._sandbox_back.wait()
            self._sandbox_back.clear()

    def action_start_sandbox_again(self) -> None:
        if self.sandbox is not None and not self.sandbox.running and not self._sandbox_starting:
            self._sandbox_starting = True
            self.refresh_bindings()
            self.run_worker(self._start_sandbox_again(self.sandbox), group="sandbox-start", exit_on_error=False)

    async def _start_sandbox_again(self, sandbox: ProsodySandbox) -> None:
        try:
            await sandbox.start_again_in_background()
        except SandboxError as error:
            self.notify(str(error), title="Sandbox server not started", severity="error", timeout=15, markup=False)
            return
        finally:
            self._sandbox_starting = False
            self.refresh_bindings()
        self.notify(f"The sandbox server runs again on {sandbox.host}:{sandbox.port}.", markup=False)
        self._sandbox_back.set()
        if self.session is not None:
            self.session.reconnect_now()

    def _features_found(self, features: ServerFeatures) -> None:
        self.server_features = features
        self.composer.context = self.composer_context()  # ${muc}, ${pubsub}… now name the services found

    def _show_pending(self, session: Session) -> None:
        if session is self.session:
            self.composer.pending = dict(session.pending)

    async def on_unmount(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.journal is not None:
            self.journal.close()

    # -- journal ---------------------------------------------------------------------------

    def _journal_failed(self, message: str) -> None:
        self.notify(terminal_safe(message), title="Journal", severity="error", timeout=20, markup=False)

    def action_past_sessions(self) -> None:
        """The past sessions are listed even when this one is not journaled."""
        folder = self.journal_folder if self.journal_folder is not None else locations.journal_dir()
        try:
            listing = past_sessions(folder)
        except JournalFolderError as error:
            self.notify(terminal_safe(str(error)), title="Past sessions", severity="error", markup=False)
            return
        for problem in listing.unreadable:
            self.notify(terminal_safe(problem), title="Past sessions", severity="warning", markup=False)
        screen = JournalScreen(folder, listing.sessions, journaled=self.journal is not None)
        self.push_screen(screen, self._open_past_session)

    def _open_past_session(self, session: PastSession | None) -> None:
        if session is None:
            return
        if self.journal is not None:
            self.journal.flush()  # the session being written is read up to now
        try:
            loaded = load_session(session)
        except (OSError, TrafficFileError) as error:
            self._say_not_opened("Session", error, session.files[0], "a recording")
            return
        self.push_screen(RecordingScreen(loaded.store, session.files[0], loaded.skipped))

    def _say_not_opened(self, what: str, error: Exception, path: Path, kind: str) -> None:
        """A file the user chose could not be read: the system's reason naming the file, else the file's problem."""
        problem = f"{error.filename or path}: {reason(error, kind)}" if isinstance(error, OSError) else str(error)
        self.notify(terminal_safe(problem), title=f"{what} not opened", severity="error", markup=False)

    # -- sending ---------------------------------------------------------------------------

    def composer_context(self) -> Context:
        """What the variables stand for now: the account, the selected entry's sender, the user's own."""
        own = self.session.own_jid if self.session is not None else ""
        if not own and self.account is not None:
            own = self.account.jid
        selected = self.traffic.selected_entry
        peer = self.chosen_peer or (selected.sender if selected is not None else "")
        features = self.session.stream_features if self.session is not None else None
        services = discovered_services(self.server_features)
        return Context(own, peer, self.variables, features, services)

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
        session = self.session
        if session is not None and session.reconnecting:
            stop = self.key_label("app.stop-reconnecting")
            composer.report(f"✖ Not sent: reconnecting ({session.detail}; {stop} stops); your text stays", "error")
            return
        if session is None or not session.online:
            composer.report("✖ Not sent: not connected: press Ctrl+L to log in", "error")
            return
        sent = session.send_all(checked.stanzas, composer.timeout)
        self.sent_from_composer.emit(
            tuple(outgoing.element.get("id", "") for outgoing in checked.stanzas[: sent.count])
        )
        for reply in sent.replies:
            self.run_worker(self._report_reply(reply), group="replies", exit_on_error=False)
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
        rest = (
            f" ({len(checked.stanzas)} of {checked.total}; F5 sends all)"
            if checked.total > len(checked.stanzas)
            else ""
        )
        composer.report(f"→ Sent {names}{rest}" + ("; waiting for the reply…" if sent.replies else ""))

    async def _report_reply(self, reply: asyncio.Future[ReplyOutcome]) -> None:
        outcome = await reply
        if outcome.settled is Settled.CANCELLED:  # the user asked; the cancel already said so
            return
        if outcome.reply is not None and self.traffic.selected is None:
            self.detail.entry = self.as_logged(outcome.reply)
        symbol, level = _SETTLED_LOOK[outcome.settled]
        self.composer.report(f"{symbol} {outcome.describe()}", level)

    def as_logged(self, entry: TrafficEntry) -> TrafficEntry:
        """A session's entry as the log holds it (the same one: the session records into the log)."""
        return entry

    @on(ComposerPane.CancelWaitRequested)
    def cancel_pending(self) -> None:
        cancelled = self.session.cancel_all() if self.session is not None else []
        if not cancelled:
            self.composer.report("Nothing is waiting for a reply.")
            return
        self.composer.report(f"⊘ Stopped waiting for {', '.join(cancelled)} (cancelled)", "error")

    # -- templates, preview, server features -------------------------------------------------

    @on(ComposerPane.TemplatePickRequested)
    def pick_template(self) -> None:
        self.push_screen(
            TemplatePicker(self.templates, self.composer_context(), self.server_features), self.insert_template
        )

    @on(ComposerPane.TemplateSaveRequested)
    def ask_template_title(self) -> None:
        self.push_screen(SaveTemplateScreen(str(locations.templates_dir())), self._save_template)

    @on(ComposerPane.PreviewRequested)
    def preview(self) -> None:
        self.push_screen(PreviewScreen(check(self.composer.editor.text, self.composer_context())))

    def _load_templates(self) -> None:
        self.templates, errors = discover_templates(locations.templates_dir())
        for error in errors:
            self.notify(error, title="Template not loaded", severity="error", timeout=10)

    def insert_template(self, template: Template | None) -> None:
        """Put the template at the cursor, or after the stanza the cursor is in (a blank editor: replace)."""
        if template is None:
            return
        editor = self.composer.editor
        if not editor.text.strip():
            editor.text = template.body + "\n"
            editor.move_cursor((0, 0))
        else:
            insertion = stanza_insertion(editor.text, editor.cursor_offset, template.body)
            editor.insert(insertion.text, editor.location_of(insertion.offset))
            editor.move_cursor(editor.location_of(insertion.stanza_start))
        editor.focus()
        self.composer.report(f"Inserted the template {template.title!r}: {self.key_label('composer.send')} sends it.")

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
                    lambda yes: self._save_template(answer, overwrite=True) if yes else None,
                )
            else:
                self.notify(str(error), title="Template not saved", severity="error", timeout=10)
            return
        self._load_templates()
        self.notify(f"Saved as {path}", title="Template saved")

    # -- service discovery -----------------------------------------------------------------

    def browse_with(self, discovery: Discovery | None) -> None:
        """F8 asks through `discovery` (a new session's, or the chosen account's) from now on:
        the next F8 starts afresh."""
        self.discovery = discovery
        if self.is_screen_installed(BROWSER) and not isinstance(self.screen, DiscoveryScreen):
            self.uninstall_screen(BROWSER)

    def action_discovery(self) -> None:
        """The browser, as it was left (the answers and what was opened stay for the session)."""
        if not self.is_screen_installed(BROWSER):
            own = self.session.own_jid if self.session is not None else self.account.jid if self.account else ""
            bare = own.partition("/")[0]
            browser = DiscoveryScreen(self.discovery, bare.rpartition("@")[2], bare)
            self.install_screen(browser, BROWSER)
        self.push_screen(BROWSER)

    def action_open_script(self) -> None:
        folder = locations.data_dir() / "scripts"
        self.push_screen(
            PathScreen("Step through a conversation script (.scs)", folder / "session.scs"), self._open_script
        )

    def _open_script(self, path: Path | None) -> None:
        if path is None:
            return
        store = TrafficStore()
        try:
            run = console_run(path, store, sandbox=self.sandbox, account=self.account)
        except (OSError, ScriptError) as error:
            self._say_not_opened("Script", error, path, "a script")
            return
        self.push_screen(ScriptScreen(run, store))

    @on(DiscoveryScreen.AllFeaturesRequested)
    def list_all_features(self) -> None:
        self.push_screen(ServerFeaturesScreen(self.server_features))

    @on(DiscoveryTree.TemplatesRequested)
    def pick_template_for(self, event: DiscoveryTree.TemplatesRequested) -> None:
        """The picker aimed at an entity: its `${peer}`, and the services it offers; the templates
        needing its features first."""
        if isinstance(self.screen, DiscoveryScreen):
            self.pop_screen()  # the browser stays as it is, for the next F8
        aimed = {"peer": event.jid}
        found = self.server_features or ServerFeatures()
        features = ServerFeatures(list(found.entities), found.account)
        if event.info is not None:
            entity = DiscoInfo.of(event.info)
            features.add(entity)
            aimed |= discovered_services(ServerFeatures([entity]))
        context = self.composer_context()
        context = replace(context, peer=event.jid, services={**context.services, **aimed})
        picker = TemplatePicker(self.templates, context, features, first=event.features, aimed_at=event.jid)
        self.push_screen(picker, lambda chosen: self.insert_template(chosen.aimed(aimed) if chosen else None))

    @on(DiscoveryTree.PeerChosen)
    def choose_peer(self, event: DiscoveryTree.PeerChosen) -> None:
        self.chosen_peer = "" if self.chosen_peer == event.jid else event.jid
        self.composer.context = self.composer_context()
        if self.chosen_peer:
            said = f"${{peer}} is now {self.chosen_peer} (p on it again: back to the selected log entry's sender)."
        else:
            said = "${peer} is again the sender of the entry selected in the log (else the server)."
        self.notify(terminal_safe(said), title="Composer", markup=False)
        self.composer.report(terminal_safe(said))

    @on(ConsoleTrafficView.ComposeRequested)
    def compose_from_log(self, event: ConsoleTrafficView.ComposeRequested) -> None:
        self.put_in_composer(
            event.text,
            f"From the log: edit it, then {self.key_label('composer.send')} sends the stanza under the cursor.",
        )

    def put_in_composer(self, text: str, report: str) -> None:
        """Put `text` in the editor, the cursor on it, and say `report` under it."""
        editor = self.composer.editor
        if not editor.text.strip():
            editor.text = text
        else:  # added after what is there (undoable), never replacing what the user wrote
            end = editor.document.end
            editor.insert("\n\n" + text, end)
            editor.move_cursor((end[0] + 2, 0))
        editor.focus()
        self.composer.report(report)

    @on(TrafficView.Selected)
    def show_selected(self, event: TrafficView.Selected) -> None:
        if event.entry is not None:
            self.detail.entry = event.entry
        self.composer.context = self.composer_context()

    # -- responders ------------------------------------------------------------------------

    def _sample(self) -> str | None:
        """The selected log entry: a new responder's match is tried on it."""
        selected = self.traffic.selected_entry
        return selected.xml if selected is not None else None

    @on(ResponderTable.AddRequested)
    def add_responder(self) -> None:
        self.open_responder_form()

    def open_responder_form(self, draft: Responder | None = None) -> None:
        """The form for a new responder, its fields filled in from `draft` when given."""
        taken = {responder.name for responder in self.responders}
        self.push_screen(
            ResponderForm(taken_names=taken, sample=self._sample(), payloads=self.responders.payloads, draft=draft),
            self._responder_saved,
        )

    @on(ResponderTable.EditRequested)
    def edit_responder(self, event: ResponderTable.EditRequested) -> None:
        if event.name not in {responder.name for responder in self.responders}:
            return  # deleted by keys that were handled before this request (a burst of typing)
        original = self.responders.get(event.name)
        taken = {responder.name for responder in self.responders}
        self.push_screen(
            ResponderForm(original, taken, self._sample(), self.responders.payloads),
            lambda edited: self._responder_saved(edited, original.name),
        )

    @on(ResponderTable.SaveRequested)
    def ask_responders_file_to_save(self) -> None:
        self.push_screen(PathScreen("Save the responders to", self.responders_file), self._save_responders)

    @on(ResponderTable.OpenRequested)
    def ask_responders_file_to_open(self) -> None:
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

    # -- help ------------------------------------------------------------------------------

    def key_label(self, binding_id: str) -> str:
        """The first key of a binding as the user must press it now (the keymap wins): 'Ctrl+J'."""
        first = self.keymap.get(binding_id) or default_keys()[binding_id]
        first = first.split(",")[0].strip()
        return "+".join(part.upper() if len(part) == 1 else part.capitalize() for part in first.split("+"))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.focused, declared_bindings(self), self.keymap))
