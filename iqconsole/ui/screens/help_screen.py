"""F1: what the focused pane is for, and its keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Markdown

GENERAL_HELP = """\
# iqconsole

Compose an IQ in the **composer**, send it, and read the request and its reply in the
**traffic log**. **Responders** answer incoming IQs for you.

Tab moves between panes; Ctrl+P opens the command palette, which reaches every action.
"""


def declared_bindings(node: DOMNode) -> list[Binding]:
    """The bindings a widget's own classes declare, a base class's first (Textual's have no id)."""
    return [
        binding
        for cls in reversed(type(node).__mro__)
        for binding in vars(cls).get("BINDINGS", [])
        if isinstance(binding, Binding) and binding.id
    ]


def help_for(widget: Widget | None) -> tuple[str, list[Binding]]:
    """The nearest HELP text and the bindings of the widget chain, from the focused widget up."""
    node = widget
    text = ""
    bindings: list[Binding] = []
    while node is not None:
        if not text:
            text = getattr(node, "HELP", "") or ""
        bindings.extend(declared_bindings(node))
        node = node.parent if isinstance(node.parent, Widget) else None
    return text or GENERAL_HELP, bindings


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,q", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, widget: Widget | None, app_bindings: Iterable[BindingType], keymap: Mapping[str, str]):
        """`keymap`: the user's keys by binding id, shown instead of the defaults they replace."""
        super().__init__()
        self._text, bindings = help_for(widget)
        self._listed_bindings = bindings + [binding for binding in app_bindings if isinstance(binding, Binding)]
        self._keymap = keymap

    def compose(self) -> ComposeResult:
        keys = "\n".join(
            f"| `{self._keys_of(binding)}` | {binding.description} | `{binding.id}` |"
            for binding in self._listed_bindings
            if binding.description
        )
        table = f"\n\n## Keys\n\n| key | action | id (for the keymap) |\n|---|---|---|\n{keys}\n"
        with VerticalScroll(id="help-body"):
            yield Markdown(self._text + table)

    def _keys_of(self, binding: Binding) -> str:
        rebound = self._keymap.get(binding.id or "")
        return rebound.replace(",", ", ") if rebound else binding.key_display or binding.key
