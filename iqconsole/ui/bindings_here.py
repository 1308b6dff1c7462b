"""Bindings looked up where the key arrives, not after it has bubbled up to the app.

Textual runs a focused widget's (non-priority) binding only once the key has bubbled from the
widget through every container to the app: five more messages, each a turn of the event loop
behind whatever else is ready (a flood's stanzas, a frame). For a widget none of whose ancestors
handles keys, the same binding chain can be asked at once, with the same result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.widget import Widget

    _Mixin = Widget
else:
    _Mixin = object  # a mixin: a Widget base here would hide the widget's own class variables


class BindingsHere(_Mixin):
    async def handle_key(self, event: events.Key) -> bool:
        if await super().handle_key(event):
            return True
        if await self.app._check_bindings(event.key):  # the lookup the app would make (focused widget up)
            event.stop()
            return True
        return False
