"""The XML editor: tree-sitter highlighting, and a send key that never loses the text."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.geometry import Offset, Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult, LanguageDoesNotExist, Selection

from iqconsole.core.completion import complete
from iqconsole.core.stanza import whole_characters
from iqconsole.ui.bindings_here import BindingsHere
from iqconsole.ui.composer.completion_menu import CompletionMenu
from iqconsole.ui.themes import editor_theme

STARTER = """\
<iq type="get" to="localhost">
  <query xmlns="http://jabber.org/protocol/disco#info"/>
</iq>
"""
BLINK_FOR = 10.0  # seconds the caret blinks after the last move or focus, then it holds still
COMPLETES_AFTER = set("<>\"'= ")  # typed characters that open the completion menu (besides names)
_COMPLETION_ACTIONS = {"accept_completion", "dismiss_completion"}


class ComposerEditor(BindingsHere, TextArea):
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
- **Completion**: typing `<`, a space in a tag, `="` or `>` opens a menu of what the protocol allows
  there: element names (with their `xmlns` for a payload), attributes, attribute values (an
  IQ's `type`, a roster item's `subscription`…), namespaces and fixed texts (`<show>`).
  **Tab** or **Enter** accepts, **↑/↓** choose, **Esc** closes it, **Ctrl+Space** opens it
  anywhere. The check line warns (⚠) about an element, attribute or value a known namespace
  does not have.
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
        Binding(
            "ctrl+space,ctrl+@",
            "open_completion",
            "Complete",
            id="composer.complete",
            show=False,
            tooltip="Show what the protocol allows at the cursor: elements, attributes, values, namespaces",
        ),
        # These act only while the completion menu is open (check_action): closed, the keys are
        # the editor's own (Tab indents, Enter breaks the line, Esc leaves). They are priority
        # bindings: TextArea's key handler would take them first. ↑/↓ need not be: they replace
        # TextArea's own ↑/↓ bindings, and move the cursor themselves while the menu is closed.
        Binding(
            "tab,enter",
            "accept_completion",
            "Accept",
            id="composer.complete-accept",
            priority=True,
            tooltip="Insert the highlighted completion",
        ),
        Binding(
            "escape",
            "dismiss_completion",
            "Close menu",
            id="composer.complete-dismiss",
            priority=True,
            tooltip="Close the completion menu",
        ),
        Binding(
            "down",
            "move_completion(1)",
            "Down / next completion",
            id="composer.complete-next",
            show=False,
            tooltip="Highlight the next completion; with the menu closed, move the cursor down",
        ),
        Binding(
            "up",
            "move_completion(-1)",
            "Up / previous completion",
            id="composer.complete-previous",
            show=False,
            tooltip="Highlight the previous completion; with the menu closed, move the cursor up",
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

    def __init__(self, text: str = STARTER, completion_menu: CompletionMenu | None = None, **kwargs):
        self.completion_menu = completion_menu
        self._rest_timer: Timer | None = None
        self._resting = False  # the caret stopped blinking because nothing happened
        self._bracket_row: int | None = None  # the row of the bracket matched last, repainted when it moves
        self._styled_for: tuple[object, bool] | None = None  # (theme, focus) the theme's CSS styles were read for
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
        if self.completion_menu is not None and self.completion_menu.is_open:
            self._offer_completions()  # follow the typing, a backspace, a move away (which closes it)

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        event.stop()  # nothing above listens; bubbling it to the app would cost four more messages per key

    def on_blur(self) -> None:
        self._close_menu()

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

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styled_for = None  # the CSS changed: read the theme's styles from it again

    def render_lines(self, crop: Region) -> list[Strip]:
        """TextArea reads its theme's fallback styles from the CSS at every repaint, half the
        cost of moving the caret; here only once the CSS, the theme or the focus changed."""
        theme = self._theme
        styled_for = (theme, self.has_focus)
        if theme is not None and self._styled_for != styled_for:
            theme.apply_css(self)
            self._styled_for = styled_for
        return Widget.render_lines(self, crop)

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

    # -- completion ----------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """A typed character opens the menu, once TextArea's own key handler (which runs after
        this one) has inserted it; an open menu follows the cursor by itself (watch_selection)."""
        character = event.character
        menu_closed = self.completion_menu is not None and not self.completion_menu.is_open
        typed = menu_closed and bool(character) and event.is_printable and not self.read_only
        if typed and character and (character in COMPLETES_AFTER or character.isalnum() or character in "_-:.#"):
            self.call_next(self._offer_completions)

    def _offer_completions(self) -> None:
        """Open (or refresh) the menu with what may be typed at the cursor; close it when nothing."""
        menu = self.completion_menu
        if menu is None:
            return
        completions = None if self.selection.start != self.selection.end else complete(self.text, self.cursor_offset)
        if completions is None:
            self._close_menu()
            return
        was_open = menu.is_open
        x, y = self.cursor_screen_offset
        menu.show(completions, Offset(max(0, x - len(completions.prefix)), y + 1))
        if not was_open:
            self.refresh_bindings()  # the footer shows the menu's keys while it is open

    def _close_menu(self) -> None:
        if self.completion_menu is not None and self.completion_menu.is_open:
            self.completion_menu.hide()
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _COMPLETION_ACTIONS:
            return self.completion_menu is not None and self.completion_menu.is_open
        return True

    def action_open_completion(self) -> None:
        self._offer_completions()
        if self.completion_menu is None or not self.completion_menu.is_open:
            self.app.bell()  # nothing the protocol offers here

    def action_accept_completion(self) -> None:
        """A priority binding runs when the app receives the key, before the editor has handled
        the keys typed just before it (`ty` then Tab, from a fast typist or a terminal
        multiplexer): accept once those are in, and the menu has followed them."""
        self.call_later(self._accept_completion)

    def _accept_completion(self) -> None:
        menu = self.completion_menu
        if menu is None or menu.completions is None or menu.chosen is None:
            return
        completions, chosen = menu.completions, menu.chosen
        self._close_menu()
        start, end = self.location_of(completions.start), self.location_of(completions.end)
        self.replace(chosen.insert, start, end, maintain_selection_offset=False)  # the caret after it
        if chosen.caret_back:
            row, column = self.cursor_location
            self.move_cursor((row, column - chosen.caret_back))
            self._offer_completions()  # into the quotes of an attribute: its values, if a fixed set

    def action_dismiss_completion(self) -> None:
        self.call_later(self._close_menu)  # after the keys typed before Esc, as for accepting

    def action_move_completion(self, step: int) -> None:
        if self.completion_menu is not None and self.completion_menu.is_open:
            self.completion_menu.move(step)
        elif step > 0:
            self.action_cursor_down()
        else:
            self.action_cursor_up()

    def action_explain(self) -> None:
        self.post_message(self.ExplainRequested(self.text, self.cursor_offset))

    def action_send(self, everything: bool = False) -> None:
        self.post_message(self.SendRequested(self, self.text, None if everything else self.cursor_offset))
