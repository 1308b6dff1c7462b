"""Add or edit a responder, checked live by the core's own rules, and tried on a log entry."""

from __future__ import annotations

from collections.abc import Collection

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from iqconsole.core.responder_reply import ERROR_CONDITIONS, ERROR_TYPES
from iqconsole.core.responders import MatchKind, PayloadNames, Responder, ResponderError

MATCH_KINDS = [("StanzaPath", MatchKind.STANZA_PATH), ("XPath", MatchKind.XPATH), ("XML mask", MatchKind.MASK)]
MATCH_HINTS = {
    MatchKind.STANZA_PATH: "iq@type=get/ping",
    MatchKind.XPATH: "iq[@type='get']/{urn:xmpp:ping}ping",
    MatchKind.MASK: "<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>",
}
REPLY_KINDS = [("result", "result"), ("error", "error"), ("no reply", "silent")]


class ResponderForm(ModalScreen[Responder | None]):
    """Returns a checked Responder (or None when cancelled)."""

    AUTO_FOCUS = "#responder-name"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="responder-form.cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "save", "Save", id="responder-form.save", tooltip="Save the responder"),
        Binding("ctrl+t", "try", "Try on entry", id="responder-form.try", tooltip="Try it on the selected log entry"),
    ]

    def __init__(
        self,
        original: Responder | None = None,
        taken_names: Collection[str] = frozenset(),
        sample: str | None = None,
        payloads: PayloadNames | None = None,
        *,
        draft: Responder | None = None,
    ):
        """`payloads`: the StanzaPath names of the set the responder goes into (its own ones too);
        `draft`: what a new responder's fields start with (a lesson's responder)."""
        super().__init__()
        self._original = original
        self._draft = draft
        self._payloads = payloads
        self._taken = set(taken_names) - ({original.name} if original else set())
        self._sample = sample

    def _free_name(self) -> str:
        return next(f"responder-{n}" for n in range(1, len(self._taken) + 2) if f"responder-{n}" not in self._taken)

    def compose(self) -> ComposeResult:
        start = self._original or self._draft
        reply_kind = "silent" if start and start.silent else "error" if start and start.error else "result"
        with VerticalScroll(id="responder-form"):
            editing = self._original
            yield Label(f"Edit responder {editing.name!r}" if editing else "New responder", classes="title")
            yield Label("Name")
            yield Input(start.name if start else self._free_name(), id="responder-name")
            with Horizontal(classes="form-row"):
                yield Select(
                    MATCH_KINDS,
                    value=start.match_kind if start else MatchKind.STANZA_PATH,
                    allow_blank=False,
                    id="responder-match-kind",
                )
                yield Input(start.match if start else MATCH_HINTS[MatchKind.STANZA_PATH], id="responder-match")
            with Horizontal(classes="form-row"):
                yield Select(REPLY_KINDS, value=reply_kind, allow_blank=False, id="responder-reply-kind")
                yield Input(
                    str(start.delay_ms if start else 0), type="integer", id="responder-delay", tooltip="delay in ms"
                )
                yield Label("ms delay", classes="unit")
            yield TextArea(start.reply if start else "", language="xml", id="responder-reply")
            with Horizontal(classes="form-row", id="responder-error-row"):
                yield Select(
                    [(name, name) for name in ERROR_CONDITIONS],
                    value=(start.error if start and start.error else "service-unavailable"),
                    allow_blank=False,
                    id="responder-condition",
                )
                yield Select(
                    [(name, name) for name in ERROR_TYPES],
                    value=(start.error_type if start and start.error else Select.NULL),
                    prompt="usual type",
                    id="responder-error-type",
                )
            yield Input(
                start.error_text if start else "", placeholder="error text (optional)", id="responder-error-text"
            )
            yield Static("", id="responder-problem", markup=False)
            yield Static("", id="responder-trial", markup=False)
            with Horizontal(id="responder-buttons"):
                yield Button("Save (Ctrl+S)", variant="primary", id="responder-save")
                yield Button("Try on entry (Ctrl+T)", id="responder-try", disabled=self._sample is None)
                yield Button("Cancel (Esc)", id="responder-cancel")

    def on_mount(self) -> None:
        self.query_one(
            "#responder-reply"
        ).border_title = "result payload: ${id} ${from} ${to} ${now} ${counter} ${request:PATH}"
        self.query_one("#responder-match").border_title = "match"
        self.validate()

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def validate(self) -> str:
        """Show the first problem, or nothing; return it."""
        reply_kind = self.query_one("#responder-reply-kind", Select).value
        self.query_one("#responder-reply").display = reply_kind == "result"
        self.query_one("#responder-error-row").display = reply_kind == "error"
        self.query_one("#responder-error-text").display = reply_kind == "error"
        self.query_one("#responder-match", Input).placeholder = MATCH_HINTS[self._match_kind()]
        try:
            self._build()
            problem = ""
        except ResponderError as error:
            problem = error.field_message
        self.query_one("#responder-problem", Static).update(problem and f"✖ {problem}")
        self.query_one("#responder-save", Button).disabled = bool(problem)
        return problem

    def _match_kind(self) -> MatchKind:
        return MatchKind(self.query_one("#responder-match-kind", Select).value)  # the select has no blank

    def _build(self) -> Responder:
        name = self.query_one("#responder-name", Input).value.strip()
        if name in self._taken:
            raise ResponderError(f"a responder named {name!r} already exists")
        reply_kind = self.query_one("#responder-reply-kind", Select).value
        delay = self.query_one("#responder-delay", Input).value.strip() or "0"
        if not delay.isdigit():
            raise ResponderError("the delay is a whole number of milliseconds")
        error_type = self.query_one("#responder-error-type", Select).selection or ""
        responder = Responder(
            name,
            self.query_one("#responder-match", Input).value.strip(),
            self.query_one("#responder-reply", TextArea).text if reply_kind == "result" else "",
            enabled=self._original.enabled if self._original else True,
            match_kind=self._match_kind(),
            error=(self.query_one("#responder-condition", Select).selection or "") if reply_kind == "error" else "",
            error_type=error_type if reply_kind == "error" else "",
            error_text=self.query_one("#responder-error-text", Input).value if reply_kind == "error" else "",
            delay_ms=int(delay),
            silent=reply_kind == "silent",
            payloads=self._payloads,
        )
        if self._original is not None and (responder.match, responder.match_kind) == (
            self._original.match,
            self._original.match_kind,
        ):
            responder.hits, responder.last_hit = self._original.hits, self._original.last_hit
        return responder

    @on(Button.Pressed, "#responder-save")
    def action_save(self) -> None:
        if not self.validate():
            self.dismiss(self._build())

    @on(Button.Pressed, "#responder-try")
    def action_try(self) -> None:
        trial = self.query_one("#responder-trial", Static)
        if self._sample is None:
            trial.update("Select a stanza in the traffic log first, then open this form.")
        elif self.validate():
            trial.update("Fix the responder first.")
        else:
            trial.update(self._build().try_on(self._sample))

    @on(Button.Pressed, "#responder-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
