"""Ctrl+T: find a template by typing (fuzzy), read it rendered for this account, insert it."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from iqconsole.core.pretty import pretty_xml
from iqconsole.core.server_features import ServerFeatures
from iqconsole.core.templates import Template, TemplateError, fuzzy_rank
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.validation import Context
from iqconsole.ui.themes import role_styles
from iqconsole.ui.xml_text import highlight_xml

MARK = "●"
FRESH_ID = "(fresh on each send)"


class TemplatePicker(ModalScreen[Template | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="templates.close", tooltip="Close without inserting"),
        Binding("down", "move(1)", "Next", id="templates.next", show=False, tooltip="Highlight the next template"),
        Binding(
            "up", "move(-1)", "Previous", id="templates.previous", show=False, tooltip="Highlight the previous template"
        ),
    ]

    def __init__(
        self,
        templates: Mapping[str, Template],
        context: Context,
        features: ServerFeatures | None,
        *,
        first: frozenset[str] = frozenset(),
        aimed_at: str = "",
    ):
        """`first`: the features whose templates come before the others; `aimed_at`: the entity
        the templates are sent to (from the discovery browser), said in the title."""
        super().__init__()
        self.templates = templates
        self.context = context
        self.features = features
        self.first = first
        self.aimed_at = aimed_at
        self.shown: list[Template] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            title = (
                f"Insert a template aimed at {terminal_safe(self.aimed_at)}" if self.aimed_at else "Insert a template"
            )
            yield Label(title, classes="title", markup=False)
            yield Input(placeholder="type to search: title, XEP, name…", id="picker-search")
            with Horizontal(id="picker-body"):
                yield OptionList(id="picker-list")
                with VerticalScroll(id="picker-preview"):
                    yield Static("", id="picker-preview-text")
            legend = (
                f"{MARK} announced by where it is sent (server, component or your account) · " if self.features else ""
            )
            yield Label(f"{legend}Enter inserts · ↑/↓ choose · Esc closes", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#picker-list", OptionList).can_focus = False
        self._fill("")

    @on(Input.Changed, "#picker-search")
    def search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        self.shown = sorted(fuzzy_rank(query, self.templates), key=self._place)
        options = self.query_one("#picker-list", OptionList)
        options.clear_options()
        options.add_options(Option(self._line(template), id=template.name) for template in self.shown)
        if self.shown:
            options.highlighted = 0
        else:
            self.query_one("#picker-preview-text", Static).update(f"No template matches {query!r}.")

    def _place(self, template: Template) -> int:
        """0: sent where its feature (one of `first`) is announced; 1: needs one of `first`; 2: the rest."""
        if template.feature not in self.first:
            return 2
        return 0 if self._announcer(template) else 1

    def _announcer(self, template: Template) -> str:
        """The first entity answering the template (its `to`, or the account then its server) that
        announced the template's feature; else ''."""
        if self.features is None or not template.feature:
            return ""
        answerers = template.answerers(self.context.variables())
        return next((jid for jid in answerers if self.features.announces(jid, template.feature)), "")

    def _announced(self, template: Template) -> str:
        """' (announced by …)' for the preview; says so when the server announced it for the account."""
        announcer = self._announcer(template)
        if not announcer:
            return ""
        account, *server = template.answerers(self.context.variables())
        if announcer != account and announcer in server:
            return f" (announced by {announcer}, your server, which handles it for your account)"
        return f" (announced by {announcer})"

    def _line(self, template: Template) -> Text:
        marked = self._announcer(template)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        line.append(f"{MARK if marked else ' '} ", style="bold green")
        line.append(template.title)
        if template.source:
            line.append(f" · {template.source}", style="dim")
        if not template.builtin:
            line.append(" · yours", style="italic")
        return line

    @on(OptionList.OptionHighlighted, "#picker-list")
    def preview(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is None:  # every option is made with its template's name
            return
        template = self.templates[event.option.id]
        heading = Text(template.title, style="bold")
        details = [template.description, template.source and f"Source: {template.source}"]
        if template.feature:
            details.append(f"Feature: {template.feature}{self._announced(template)}")
        if template.peer:
            details.append(f"${{peer}}: {template.peer}")
        try:
            variables = {**self.context.variables(), "id": FRESH_ID}
            body = highlight_xml(pretty_xml(template.render(variables)), role_styles(self.app.theme_variables))
        except TemplateError as error:
            body = Text(f"{template.body}\n\n{error}")
        body.no_wrap = False
        text = Text.assemble(heading, "\n", "\n".join(detail for detail in details if detail), "\n\n", body)
        self.query_one("#picker-preview-text", Static).update(text)

    def action_move(self, step: int) -> None:
        options = self.query_one("#picker-list", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -step
            options.highlighted = (current + step) % options.option_count

    @on(Input.Submitted, "#picker-search")
    @on(OptionList.OptionSelected, "#picker-list")
    def choose(self) -> None:
        highlighted = self.query_one("#picker-list", OptionList).highlighted
        if highlighted is not None and self.shown:
            self.dismiss(self.shown[highlighted])
