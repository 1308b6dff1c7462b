"""Add a responder: name, StanzaPath and reply, checked live with the core's own rules."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from iqconsole.core.responders import ResponderError, check_reply, check_stanza_path


@dataclass(frozen=True)
class ResponderDraft:
    name: str
    match: str
    reply: str


class ResponderForm(ModalScreen[ResponderDraft | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="responder-form.cancel"),
        Binding("ctrl+s", "save", "Save", id="responder-form.save"),
    ]

    def __init__(self, draft: ResponderDraft | None = None, taken_names: set[str] = frozenset()):
        super().__init__()
        self._taken = taken_names
        self._draft = draft or ResponderDraft(self._free_name(), "iq@type=get/ping", "")

    def _free_name(self) -> str:
        return next(f"responder-{n}" for n in range(1, len(self._taken) + 2) if f"responder-{n}" not in self._taken)

    def compose(self) -> ComposeResult:
        with Vertical(id="responder-form"):
            yield Label("New responder", classes="title")
            yield Label("Name")
            yield Input(self._draft.name, id="responder-name")
            yield Label("Match (StanzaPath)")
            yield Input(self._draft.match, id="responder-match", placeholder="iq@type=get/ping")
            yield Label("Reply: result payload XML (empty for an empty result) or an <error>")
            yield TextArea(self._draft.reply, language="xml", id="responder-reply")
            yield Static("", id="responder-problem")
            with Horizontal(id="responder-buttons"):
                yield Button("Save (Ctrl+S)", variant="primary", id="responder-save")
                yield Button("Cancel (Esc)", id="responder-cancel")

    def on_mount(self) -> None:
        self.validate()

    @on(Input.Changed)
    @on(TextArea.Changed)
    def validate(self) -> str:
        """Show the first problem, or nothing; return it."""
        problem = self._problem()
        self.query_one("#responder-problem", Static).update(problem and f"✖ {problem}")
        self.query_one("#responder-save", Button).disabled = bool(problem)
        return problem

    def _problem(self) -> str:
        draft = self._current()
        if not draft.name.strip():
            return "a responder needs a name"
        if draft.name in self._taken:
            return f"a responder named {draft.name!r} already exists"
        try:
            check_stanza_path(draft.match)
            check_reply(draft.reply)
        except ResponderError as error:
            return str(error)
        return ""

    def _current(self) -> ResponderDraft:
        return ResponderDraft(
            self.query_one("#responder-name", Input).value.strip(),
            self.query_one("#responder-match", Input).value.strip(),
            self.query_one("#responder-reply", TextArea).text,
        )

    @on(Button.Pressed, "#responder-save")
    def action_save(self) -> None:
        if not self.validate():
            self.dismiss(self._current())

    @on(Button.Pressed, "#responder-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
