"""F6: what a stanza is and means (built by core/explain.py), beside its XML."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from iqconsole.core.explain import Explanation, explain_entry
from iqconsole.core.pretty import pretty_xml
from iqconsole.core.server_features import ServerFeatures
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.traffic import TrafficEntry, TrafficStore
from iqconsole.ui.themes import role_styles
from iqconsole.ui.xml_text import highlight_xml


class ExplainScreen(ModalScreen[None]):
    HELP = """\
# Explanation

What the stanza is for and its rules, each attribute and what its value means here, the
payload's namespace and specification, the exchange (the reply expected, whether it came and
after how long) and, for an error, what the condition means and what to do. The XML is beside it.
↑/↓ and Page Up/Down scroll; Tab moves to the XML.
"""

    BINDINGS = [
        Binding("escape,f6,q", "dismiss(None)", "Close", id="explain.close", tooltip="Close the explanation"),
    ]

    def __init__(self, explanation: Explanation):
        super().__init__()
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        explanation = self.explanation
        with Vertical(id="explain"):
            yield Label(terminal_safe(explanation.title), classes="title", markup=False)
            with Horizontal(id="explain-body"):
                with VerticalScroll(id="explain-text"):
                    for section in explanation.sections:
                        yield Static(section.title, classes="explain-heading", markup=False)
                        yield Static(terminal_safe("\n".join(section.lines)), classes="explain-lines", markup=False)
                with VerticalScroll(id="explain-xml"):
                    yield Static(id="explain-xml-text")

    def on_mount(self) -> None:
        xml = terminal_safe(pretty_xml(self.explanation.xml)) if self.explanation.xml.strip() else ""
        text = highlight_xml(xml, role_styles(self.app.theme_variables))
        text.no_wrap = False  # beside the explanation the XML is narrow: long lines wrap
        self.query_one("#explain-xml-text", Static).update(text)
        self.query_one("#explain-text").focus()


def explain_in(app: App[object], entry: TrafficEntry | None, store: TrafficStore) -> None:
    """Open the explanation of a log entry (the log and the detail pane's key); with nothing
    selected, of what the detail pane shows (the reply to the last send); else say what to select."""
    if entry is None:
        shown = getattr(next(iter(app.query("#detail")), None), "entry", None)
        entry = shown if isinstance(shown, TrafficEntry) else None
    if entry is None:
        app.notify("Select a stanza in the traffic log first (↑/↓).", severity="warning")
        return
    features = getattr(app, "server_features", None)  # what discovery found; a recording has none
    known = features if isinstance(features, ServerFeatures) else None
    app.push_screen(ExplainScreen(explain_entry(entry, store, known)))
