"""The command palette's own commands: every key binding of the app and of its panes.

Derived from the bindings themselves (id, description, tooltip, and the key as the user's
keymap sets it), so a new key is in the palette without anyone keeping a list. Each command
runs on the widget that declares it, so "Traffic: Export…" works with the composer focused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from textual.actions import parse
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget


@dataclass(frozen=True)
class BoundAction:
    """One binding as the palette offers it: where it runs, its title and its key."""

    node: DOMNode
    binding: Binding
    key: str

    @property
    def title(self) -> str:
        """'Traffic: Export…': the pane, from the binding id's prefix, and the description."""
        pane = (self.binding.id or "").partition(".")[0].replace("-", " ").capitalize()
        return f"{pane}: {self.binding.description}"

    async def run(self) -> None:
        await self.node.app.run_action(self.binding.action, self.node)


def _shown(widget: Widget) -> bool:
    return all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))


def _nodes(screen: Screen) -> Iterator[DOMNode]:
    """The focused widget and its containers first, then every other shown widget, the app last."""
    focused = list(screen.focused.ancestors_with_self) if screen.focused is not None else [screen]
    yield from (node for node in focused if node is not screen.app)
    yield from (widget for widget in screen.walk_children(Widget) if widget not in focused and _shown(widget))
    yield screen.app


def bound_actions(screen: Screen) -> list[BoundAction]:
    """Every binding with an id on `screen` and its app, once each, with the key now bound to it."""
    app = screen.app
    found: dict[str, BoundAction] = {}
    for node in _nodes(screen):
        bindings = node._bindings.copy()  # as Textual builds the active bindings: keymap applied
        bindings.apply_keymap(app._keymap)
        for key_bindings in bindings.key_to_bindings.values():
            for binding in key_bindings:
                if not binding.id or binding.id in found:
                    continue
                action, arguments = parse(binding.action)[1:]
                if node.check_action(action, arguments) is False:
                    continue
                found[binding.id] = BoundAction(node, binding, app.get_key_display(binding))
    return list(found.values())


class BindingCommands(Provider):
    """Commands named after the pane they act on, each showing its key."""

    def _display(self, action: BoundAction, title: Content | str) -> Content:
        return Content.assemble(title, "  ", (action.key, "dim"))

    async def discover(self) -> Hits:
        for action in bound_actions(self.screen):
            yield DiscoveryHit(
                self._display(action, action.title),
                partial(BoundAction.run, action),
                text=action.title,
                help=action.binding.tooltip or None,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in bound_actions(self.screen):
            if (score := matcher.match(action.title)) > 0:
                yield Hit(
                    score,
                    self._display(action, matcher.highlight(action.title)),
                    partial(BoundAction.run, action),
                    text=action.title,
                    help=action.binding.tooltip or None,
                )
