"""The completion menu under the composer's cursor: what may be typed there, by the protocol.

It never takes the focus (typing goes on in the editor, which filters it); the editor's keys
move it, accept the highlighted candidate and dismiss it (see ComposerEditor's bindings).
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Offset
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from iqconsole.core.completion import Candidate, Completions

MAX_SHOWN = 200  # candidates listed; the namespaces are the longest list (about 190)
LABEL_WIDTH = 50  # the detail column starts after the longest label, up to this width


class CompletionMenu(OptionList):
    DEFAULT_CSS = """
    CompletionMenu {
        display: none;
        overlay: screen;
        position: absolute;
        constrain: inside inflect;
        width: auto;
        min-width: 20;
        max-width: 90;
        height: auto;
        max-height: 10;
        border: none;
        padding: 0;
        background: $panel;
    }
    """

    can_focus = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.completions: Completions | None = None

    @property
    def is_open(self) -> bool:
        return self.completions is not None

    def show(self, completions: Completions, at: Offset) -> None:
        """List `completions` with its top left corner at `at` (a screen offset)."""
        self.completions = completions
        shown = completions.candidates[:MAX_SHOWN]
        width = min(LABEL_WIDTH, max(len(candidate.label) for candidate in shown))
        self.set_options(Option(_label(candidate, width), id=str(index)) for index, candidate in enumerate(shown))
        self.highlighted = 0
        origin = self.parent.content_region.offset if isinstance(self.parent, Widget) else Offset()
        self.styles.offset = (at.x - origin.x, at.y - origin.y)
        self.display = True

    def hide(self) -> None:
        if self.completions is not None:
            self.completions = None
            self.display = False

    def move(self, step: int) -> None:
        if step > 0:
            self.action_cursor_down()
        else:
            self.action_cursor_up()

    @property
    def chosen(self) -> Candidate | None:
        if self.completions is None or self.highlighted is None:
            return None
        return self.completions.candidates[self.highlighted]


def _label(candidate: Candidate, width: int) -> Text:
    """The name, then its detail dimmed, in a column of its own."""
    label = Text(candidate.label.ljust(width + 2), no_wrap=True, overflow="ellipsis")
    if candidate.detail and candidate.detail != candidate.label:
        label.append(candidate.detail, style="dim")
    return label
