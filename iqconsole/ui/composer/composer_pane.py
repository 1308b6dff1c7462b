"""Editor, live check, pending countdown, timeout and outcome; history and the saved draft."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea

from iqconsole.core.history import History, load_draft, save_draft
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.validation import Checked, Context, check
from iqconsole.ui.composer.composer_editor import STARTER, ComposerEditor

CHECK_DELAY = 0.25  # seconds of quiet typing before the text is checked
DRAFT_DELAY = 1.0  # … and before it is saved


class ComposerPane(Vertical):
    BINDINGS = [
        Binding(
            "ctrl+t", "request('templates')", "Templates", id="composer.templates", tooltip="Pick a template to insert"
        ),
        Binding(
            "ctrl+s",
            "request('save-template')",
            "Save template",
            id="composer.save-template",
            show=False,
            tooltip="Save the editor as your own template",
        ),
        Binding(
            "ctrl+o",
            "request('preview')",
            "Preview",
            id="composer.preview",
            show=False,
            tooltip="Show the stanzas as they will be sent",
        ),
        Binding(
            "ctrl+g",
            "request('cancel')",
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

    @dataclass
    class Requested(Message):
        """An action the app carries out: templates, save-template, preview or cancel."""

        action: str

    def __init__(self, history: History, draft_path: Path, timeout: float, **kwargs):
        super().__init__(**kwargs)
        self.history = history
        self.draft_path = draft_path
        self.default_timeout = timeout
        self._check_timer: Timer | None = None
        self._draft_timer: Timer | None = None
        self._walking = False  # the text change comes from the history, not from typing

    def compose(self) -> ComposeResult:
        draft = load_draft(self.draft_path)
        self._editor = ComposerEditor(STARTER if draft is None else draft, id="editor")
        yield self._editor
        yield Static("", id="composer-pending")
        with Horizontal(id="composer-bar"):
            yield Static("", id="composer-check", markup=False)
            yield Static("timeout s", id="composer-timeout-label")
            yield Input(f"{self.default_timeout:g}", id="composer-timeout", type="number", compact=True)
        yield Static("", id="composer-outcome", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self._run_check()

    def on_unmount(self) -> None:
        if self._draft_timer is not None:  # typed in the last second: save it now
            self.save_draft()

    @property
    def editor(self) -> ComposerEditor:
        return self._editor

    @property
    def timeout(self) -> float:
        """The per-send timeout typed in the box, or the default when it is not a positive number."""
        try:
            value = float(self.query_one("#composer-timeout", Input).value)
        except ValueError:
            return self.default_timeout
        return value if value > 0 else self.default_timeout

    def action_request(self, action: str) -> None:
        self.post_message(self.Requested(action))

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

    def add_pending(self, stanza_id: str, timeout: float) -> None:
        self.pending = {**self.pending, stanza_id: time.monotonic() + timeout}

    def remove_pending(self, stanza_id: str) -> None:
        self.pending = {key: value for key, value in self.pending.items() if key != stanza_id}

    def _tick(self) -> None:
        if self.pending:
            self.watch_pending(self.pending)

    def watch_pending(self, pending: dict[str, float]) -> None:
        line = self.query_one("#composer-pending", Static)
        now = time.monotonic()
        shown = [f"{stanza_id} {max(0, deadline - now):.0f} s" for stanza_id, deadline in list(pending.items())[:4]]
        more = f" +{len(pending) - 4}" if len(pending) > 4 else ""
        line.update(f"⧗ waiting: {', '.join(shown)}{more} · Ctrl+G stops waiting" if pending else "")
        line.display = bool(pending)
