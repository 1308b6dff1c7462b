"""The XML editor: tree-sitter highlighting, and a send key that never loses the text."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import LanguageDoesNotExist

from iqconsole.ui.themes import editor_theme

STARTER = """\
<iq type="get" to="localhost">
  <query xmlns="http://jabber.org/protocol/disco#info"/>
</iq>
"""


class ComposerEditor(TextArea):
    HELP = """\
# Composer

Write one or more stanzas (`<iq>`, `<message>`, `<presence>` or stream-level elements)
and send them with **Alt+Enter** or **Ctrl+J**.

- Unprefixed elements are in `jabber:client`, as inside a real stream.
- A missing `id` is filled in for you.
- Malformed XML is refused with its line and column; nothing is sent, your text stays.
- An IQ `get`/`set` waits for its reply (30 s by default); the outcome shows below the editor
  and both stanzas appear in the traffic log.
"""

    BINDINGS = [
        Binding("alt+enter,ctrl+j", "send", "Send", id="composer.send", tooltip="Send the stanzas in the editor"),
    ]

    @dataclass
    class SendRequested(Message):
        """The user asked to send the editor's text."""

        editor: "ComposerEditor"
        text: str

        @property
        def control(self) -> "ComposerEditor":
            return self.editor

    def __init__(self, text: str = STARTER, **kwargs):
        try:
            super().__init__(
                text, language="xml", soft_wrap=False, tab_behavior="indent", show_line_numbers=True, **kwargs
            )
        except LanguageDoesNotExist:  # the XML grammar is missing: edit as plain text
            super().__init__(text, soft_wrap=False, tab_behavior="indent", show_line_numbers=True, **kwargs)

    def on_mount(self) -> None:
        self._follow_app_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._follow_app_theme())

    def _follow_app_theme(self) -> None:
        theme = editor_theme(self.app.theme, self.app.theme_variables)
        self.register_theme(theme)
        self.theme = theme.name

    def action_send(self) -> None:
        self.post_message(self.SendRequested(self, self.text))
