"""The XML editor: tree-sitter highlighting, and a send key that never loses the text."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
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

    # A moved cursor repaints the rows it left and reached (watch_selection), not the whole
    # editor: under a flood, every key otherwise redrew ~40 rows (a fifth of the console's CPU).
    selection = reactive(Selection(), init=False, always_update=True, repaint=False)

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
        self._bracket_row: int | None = None  # the row of the bracket matched last, repainted when it moves
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

    def watch_selection(self, previous: Selection, selection: Selection) -> None:
        self._stay_awake()
        self._repaint_moved(previous, selection)

    def _repaint_moved(self, previous: Selection, selection: Selection) -> None:
        """Repaint what a selection change shows differently: the rows of the old and the new
        selection (cursor line, gutter, highlight) and of the old and the new matched bracket."""
        if self.soft_wrap:  # rows on screen are not document rows: repaint it all
            self.refresh()
            return
        bracket = self._matching_bracket_location
        bracket_rows = {row for row in (self._bracket_row, bracket[0] if bracket else None) if row is not None}
        self._bracket_row = bracket[0] if bracket else None
        spans = sorted(
            (min(start[0], end[0]), max(start[0], end[0]))
            for start, end in ((previous.start, previous.end), (selection.start, selection.end))
        )
        if spans[0][1] + 1 >= spans[1][0]:  # overlapping or adjacent: one range
            spans = [(spans[0][0], max(spans[0][1], spans[1][1]))]
        for first, last in spans:
            self.refresh_lines(first, last - first + 1)
        for row in bracket_rows:
            if not any(first <= row <= last for first, last in spans):
                self.refresh_lines(row)

    def _build_highlight_map(self) -> None:
        """Runs after every change of the text (edits, undo, a new document): all rows repaint,
        since lines below an edit may have moved (the selection alone no longer repaints)."""
        super()._build_highlight_map()
        self.refresh()

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
        text = whole_characters(edit.text)
        if text != edit.text:
            edit = Edit(text, edit.from_location, edit.to_location, edit.maintain_selection_offset)
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
