"""Editor, live check, pending countdown, timeout and outcome; history and the saved draft."""

from __future__ import annotations

import time
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea

from iqconsole.core.explain import explain_draft
from iqconsole.core.history import History, load_draft, save_draft
from iqconsole.core.settings import SettingError, seconds
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.validation import Checked, Context, check
from iqconsole.ui.composer.completion_menu import CompletionMenu
from iqconsole.ui.composer.composer_editor import STARTER, ComposerEditor
from iqconsole.ui.screens.explain_screen import ExplainScreen

CHECK_DELAY = 0.25  # seconds of quiet typing before the text is checked
DRAFT_DELAY = 1.0  # … and before it is saved


class ComposerPane(Vertical):
    BINDINGS = [
        Binding("ctrl+t", "pick_template", "Templates…", id="composer.templates", tooltip="Pick a template to insert"),
        Binding(
            "ctrl+s",
            "save_template",
            "Save template…",
            id="composer.save-template",
            show=False,
            tooltip="Save the editor as your own template",
        ),
        Binding(
            "ctrl+o",
            "preview",
            "Preview",
            id="composer.preview",
            show=False,
            tooltip="Show the stanzas as they will be sent",
        ),
        Binding(
            "ctrl+g",
            "cancel_wait",
            "Cancel wait",
            id="composer.cancel",
            show=False,
            tooltip="Stop waiting for the pending replies",
        ),
        Binding(
            "ctrl+up", "history(-1)", "Older", id="composer.history-older", show=False, tooltip="Previous sent stanza"
        ),
        Binding(
            "ctrl+down",
            "history(1)",
            "Newer",
            id="composer.history-newer",
            show=False,
            tooltip="Next sent stanza (then back to your text)",
        ),
    ]

    outcome = reactive("", always_update=True)
    outcome_level = reactive("info")  # info | success | error
    context: reactive[Context] = reactive(Context, always_update=True)
    checked: reactive[Checked] = reactive(Checked)
    pending: reactive[dict[str, float]] = reactive(dict, always_update=True)  # id -> monotonic deadline
    timeout_problem = reactive("")  # what is wrong with the timeout box ("" when it is fine)

    class TemplatePickRequested(Message):
        """Open the template picker; the choice goes into the editor."""

    class TemplateSaveRequested(Message):
        """Keep the editor's text as the user's own template."""

    class PreviewRequested(Message):
        """Show the editor's stanzas as they will be sent."""

    class CancelWaitRequested(Message):
        """Stop waiting for the replies still pending."""

    def __init__(self, history: History, draft_path: Path, timeout: float, **kwargs):
        super().__init__(**kwargs)
        self.history = history
        self.draft_path = draft_path
        self.default_timeout = timeout
        self._check_timer: Timer | None = None
        self._draft_timer: Timer | None = None
        self._walking = False  # the text change comes from the history, not from typing
        self._countdown: Timer | None = None  # ticks only while a request is pending

    def compose(self) -> ComposeResult:
        draft = load_draft(self.draft_path)
        menu = CompletionMenu(id="composer-completion")
        self._editor = ComposerEditor(STARTER if draft is None else draft, completion_menu=menu, id="editor")
        yield self._editor
        yield menu
        yield Static("", id="composer-pending")
        with Horizontal(id="composer-bar"):
            yield Static("", id="composer-check", markup=False)
            yield Static("timeout s", id="composer-timeout-label")
            yield Input(f"{self.default_timeout:g}", id="composer-timeout", type="number", compact=True)
        yield Static("", id="composer-timeout-problem")
        yield Static("", id="composer-outcome", markup=False)

    def on_mount(self) -> None:
        self._run_check()

    def on_unmount(self) -> None:
        if self._draft_timer is not None:  # typed in the last second: save it now
            self.save_draft()

    @property
    def editor(self) -> ComposerEditor:
        return self._editor

    @property
    def timeout(self) -> float:
        """The per-send timeout typed in the box; SettingError when it is not one (sends are
        refused then, see `refuse_send_with_a_bad_timeout`)."""
        return seconds(self.query_one("#composer-timeout", Input).value)

    @on(Input.Changed, "#composer-timeout")
    def timeout_changed(self, event: Input.Changed) -> None:
        try:
            seconds(event.value)
        except SettingError as error:
            self.timeout_problem = f"✖ timeout: {error.field_message}"
        else:
            self.timeout_problem = ""

    def watch_timeout_problem(self, problem: str) -> None:
        self.query_one("#composer-timeout-problem", Static).update(problem)
        self.query_one("#composer-timeout-problem", Static).display = bool(problem)
        self.query_one("#composer-timeout", Input).set_class(bool(problem), "-invalid")

    @on(ComposerEditor.ExplainRequested)
    def explain(self, event: ComposerEditor.ExplainRequested) -> None:
        self.app.push_screen(ExplainScreen(explain_draft(event.text, event.cursor, self.context)))

    @on(ComposerEditor.SendRequested)
    def refuse_send_with_a_bad_timeout(self, event: ComposerEditor.SendRequested) -> None:
        """Never send with a timeout other than the one shown: a bad box stops the send here."""
        if self.timeout_problem:
            event.stop()
            self.report(f"✖ Not sent: {self.timeout_problem.removeprefix('✖ ')}", "error")

    def action_pick_template(self) -> None:
        self.post_message(self.TemplatePickRequested())

    def action_save_template(self) -> None:
        self.post_message(self.TemplateSaveRequested())

    def action_preview(self) -> None:
        self.post_message(self.PreviewRequested())

    def action_cancel_wait(self) -> None:
        self.post_message(self.CancelWaitRequested())

    # -- outcome ---------------------------------------------------------------------------

    def report(self, message: str, level: str = "info") -> None:
        """Say how a send went; the message may quote the server, so controls are made visible."""
        self.outcome_level = level
        self.outcome = terminal_safe(message)

    def watch_outcome(self, outcome: str) -> None:
        line = self.query_one("#composer-outcome", Static)
        line.update(outcome)
        line.set_classes(f"-{self.outcome_level}")

    # -- live check and draft ----------------------------------------------------------------

    @on(TextArea.Changed, "#editor")
    def text_changed(self) -> None:
        if not self._walking:
            self.history.stop_walking()
        self._walking = False
        for timer in (self._check_timer, self._draft_timer):
            if timer is not None:
                timer.stop()
        self._check_timer = self.set_timer(CHECK_DELAY, self._run_check)
        self._draft_timer = self.set_timer(DRAFT_DELAY, self.save_draft)

    def watch_context(self) -> None:
        if self.is_mounted:
            self._run_check()

    def _run_check(self) -> None:
        self.checked = check(self.editor.text, self.context)

    def watch_checked(self, checked: Checked) -> None:
        line = self.query_one("#composer-check", Static)
        if checked.errors:
            first = checked.errors[0]
            more = f" (+{len(checked.errors) - 1} more)" if len(checked.errors) > 1 else ""
            line.update(f"✖ {first}{more}")
            line.set_classes("-error")
        elif checked.warnings:
            line.update(f"⚠ {checked.warnings[0]}")
            line.set_classes("-warning")
        else:
            count = len(checked.stanzas)
            line.update(f"✔ {count} stanza{'s' if count != 1 else ''} ready")
            line.set_classes("-success")

    def save_draft(self) -> None:
        self._draft_timer = None
        try:
            save_draft(self.draft_path, self.editor.text)
        except OSError as error:
            self.report(f"⚠ Draft not saved to {self.draft_path}: {error.strerror or error}", "error")

    # -- history ---------------------------------------------------------------------------

    def action_history(self, step: int) -> None:
        editor = self.editor
        text = self.history.older(editor.text) if step < 0 else self.history.newer()
        if text is None:
            self.app.bell()
            return
        self._walking = True
        editor.text = text
        editor.move_cursor(editor.document.end)

    # -- pending replies ---------------------------------------------------------------------

    def watch_pending(self, pending: dict[str, float]) -> None:
        if pending and self._countdown is None:
            self._countdown = self.set_interval(1.0, lambda: self.watch_pending(self.pending))
        elif not pending and self._countdown is not None:
            self._countdown.stop()
            self._countdown = None
        line = self.query_one("#composer-pending", Static)
        now = time.monotonic()
        shown = [f"{stanza_id} {max(0, deadline - now):.0f} s" for stanza_id, deadline in list(pending.items())[:4]]
        more = f" +{len(pending) - 4}" if len(pending) > 4 else ""
        line.update(f"⧗ waiting: {', '.join(shown)}{more} · Ctrl+G stops waiting" if pending else "")
        line.display = bool(pending)
