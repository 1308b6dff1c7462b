"""The XML editor: tree-sitter highlighting, and a send key that never loses the text."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult, LanguageDoesNotExist, Selection

from iqconsole.core.stanza import whole_characters
from iqconsole.ui.themes import editor_theme

STARTER = """\
<iq type="get" to="localhost">
  <query xmlns="http://jabber.org/protocol/disco#info"/>
</iq>
"""
BLINK_FOR = 10.0  # seconds the caret blinks after the last move or focus, then it holds still


class ComposerEditor(TextArea):
    HELP = """\
# Composer

Write one or more stanzas (`<iq>`, `<message>`, `<presence>` or stream-level elements).
**Ctrl+J** sends the stanza under the cursor, **F5** sends them all, in order.

- `${jid}`, `${bare}`, `${domain}`, `${resource}`, `${peer}` (the sender of the entry selected
  in the log, else the server), `${id}` (fresh for every stanza) and your own variables (config
  file `[variables]`, `--var NAME=VALUE`) are filled in when sending; `$$` is a dollar sign.
- The line under the editor checks as you type: errors (malformed XML with line and column, an
  unknown variable, IQ rules, a bad JID) refuse the send; warnings (an unknown namespace, a
  `from` that is not you) ask for a second press to send anyway.
- A missing `id` is filled in; unprefixed elements are in `jabber:client`.
- An IQ `get`/`set` waits for its reply (the timeout is the box at the bottom right); a
  countdown shows while it waits, **Ctrl+G** stops waiting.
- **Ctrl+T** picks a template, **Ctrl+S** saves the editor as your own template, **Ctrl+O**
  previews the stanzas as they will be sent, **Ctrl+↑/↓** walk the history of sent stanzas,
  **F6** explains the stanza under the cursor (its kind, attributes, payload, what would stop it).
  The text is saved as you type and comes back at the next start.
"""

    BINDINGS = [
        Binding("ctrl+j,alt+enter", "send", "Send", id="composer.send", tooltip="Send the stanza under the cursor"),
        Binding(
            "f5", "send(True)", "Send all", id="composer.send-all", tooltip="Send every stanza in the editor, in order"
        ),
        Binding(  # instead of TextArea's "select line" (Shift+Home/End still select)
            "f6",
            "explain",
            "Explain",
            id="composer.explain",
            show=False,  # the footer keeps Send first; F1 and the README list it
            tooltip="Explain the stanza under the cursor: its kind, attributes, payload and what would stop it",
        ),
    ]

    @dataclass
    class SendRequested(Message):
        """The user asked to send the stanza at `cursor` (a character offset), or all (None)."""

        editor: ComposerEditor
        text: str
        cursor: int | None

        @property
        def control(self) -> ComposerEditor:
            return self.editor

    @dataclass
    class ExplainRequested(Message):
        """The user asked what the stanza at `cursor` (a character offset) is."""

        text: str
        cursor: int

    def __init__(self, text: str = STARTER, **kwargs):
        self._rest_timer: Timer | None = None
        self._resting = False  # the caret stopped blinking because nothing happened
        try:
            super().__init__(
                text, language="xml", soft_wrap=False, tab_behavior="indent", show_line_numbers=True, **kwargs
            )
        except LanguageDoesNotExist:  # the XML grammar is missing: edit as plain text
            super().__init__(text, soft_wrap=False, tab_behavior="indent", show_line_numbers=True, **kwargs)

    def on_mount(self) -> None:
        self._follow_app_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._follow_app_theme())

    # -- a caret that rests: an idle console draws nothing (like GTK's cursor-blink-timeout) --

    def on_focus(self) -> None:
        self._stay_awake()

    def watch_selection(self, _previous: Selection, _selection: Selection) -> None:
        self._stay_awake()

    def _stay_awake(self) -> None:
        if not self.is_mounted:
            return
        if self._resting:
            self._resting = False
            self.cursor_blink = True
        if self._rest_timer is None:
            self._rest_timer = self.set_timer(BLINK_FOR, self._rest, name="caret rest")
        else:
            self._rest_timer.reset()

    def _rest(self) -> None:
        self._rest_timer = None
        if self.cursor_blink:  # not when blinking was turned off on purpose
            self.cursor_blink = False
            self._resting = True

    def _follow_app_theme(self) -> None:
        theme = editor_theme(self.app.theme, self.app.theme_variables)
        self.register_theme(theme)
        self.theme = theme.name

    def edit(self, edit: Edit) -> EditResult:
        """Every change (typing, paste, inserts) holds whole characters only: a lone surrogate
        (half a character, from a paste) would crash the highlighter, which encodes the text."""
        if whole_characters(edit.text) != edit.text:
            edit = Edit(
                whole_characters(edit.text), edit.from_location, edit.to_location, edit.maintain_selection_offset
            )
        return super().edit(edit)

    def _set_document(self, text: str, language: str | None) -> None:
        """The same for a whole new text (a draft, a history entry, a replayed stanza)."""
        super()._set_document(whole_characters(text), language)

    @property
    def cursor_offset(self) -> int:
        return len(self.get_text_range((0, 0), self.cursor_location))

    def location_of(self, offset: int) -> tuple[int, int]:
        """The (row, column) of a character offset in the text."""
        text = self.text
        return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)

    def action_explain(self) -> None:
        self.post_message(self.ExplainRequested(self.text, self.cursor_offset))

    def action_send(self, everything: bool = False) -> None:
        self.post_message(self.SendRequested(self, self.text, None if everything else self.cursor_offset))
