"""Ctrl+O in the composer: the stanzas exactly as they will be sent, variables filled in."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from iqconsole.core.pretty import pretty_xml
from iqconsole.core.validation import Checked
from iqconsole.ui.themes import role_styles
from iqconsole.ui.xml_text import highlight_xml


class PreviewScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,ctrl+o,q", "dismiss(None)", "Close", id="preview.close", tooltip="Close the preview")]

    def __init__(self, checked: Checked):
        super().__init__()
        self._checked = checked

    def compose(self) -> ComposeResult:
        checked = self._checked
        with VerticalScroll(id="preview-body"):
            if checked.errors:
                problems = "\n".join(f"✖ {problem}" for problem in checked.errors)
                yield Static(Text(f"Nothing would be sent:\n{problems}", style="bold"), id="preview-text")
                return
            styles = role_styles(self.app.theme_variables)
            parts = [
                Text(f"{len(checked.stanzas)} stanza(s) as they will be sent (a new id on each send)", style="bold")
            ]
            parts += [Text(f"⚠ {problem}") for problem in checked.warnings]
            parts += [highlight_xml(pretty_xml(xml), styles) for xml in checked.serialized()]
            yield Static(Text("\n\n").join(parts), id="preview-text")
