"""F8: what the server, its components and the account announce, with each feature's specification
and description (from the knowledge files) beside it."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from iqconsole.core.knowledge import knowledge
from iqconsole.core.server_features import ServerFeatures
from iqconsole.core.terminal_safe import terminal_safe

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
UNKNOWN_FEATURE = "iqconsole's knowledge has no entry for this feature."
COLUMNS = ("entity", "feature (namespace)", "specification", "description")
FLOOR_CELLS = (12, 20, 12, 16)  # the least each column gets; the table scrolls sideways below that


def feature_about(feature: str) -> str:
    """The paragraph on a feature, with its specification; a sentence saying so when unknown."""
    topic = knowledge().topic(feature)
    return f"{topic.about} ({topic.citation})" if topic is not None else UNKNOWN_FEATURE


def first_sentence(paragraph: str) -> str:
    return _SENTENCE_END.split(paragraph, maxsplit=1)[0]


def fitted(natural: list[int], available: int) -> list[int]:
    """Column widths that add up to `available`: the widest shrinks first, none below its floor;
    the last column takes what is left."""
    widths = list(natural)
    while sum(widths) > available:
        widest = max(range(len(widths)), key=lambda n: (widths[n] > FLOOR_CELLS[n], widths[n]))
        if widths[widest] <= FLOOR_CELLS[widest]:
            break
        widths[widest] -= 1
    widths[-1] = max(FLOOR_CELLS[-1], available - sum(widths[:-1]))
    return widths


class ServerFeaturesScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f8,q", "dismiss(None)", "Close", id="features.close", tooltip="Close the feature list")]

    def __init__(self, features: ServerFeatures | None):
        super().__init__()
        self._features = features
        self._abouts: list[str] = []  # the description of each row, in the table's order
        self._cells: list[tuple[str, ...]] = []  # each row's cells, whole (the server's words made safe)
        self._filled_at = -1  # the table's width when its cells were last fitted

    def compose(self) -> ComposeResult:
        with Vertical(id="features"):
            if self._features is None:
                yield Label("The server has not been asked yet: it is asked once, right after login.", classes="title")
                return
            entities = ", ".join(
                f"{info.jid} ({'; '.join(info.identities) or 'no identity'})" for info in self._features.groups()
            )
            yield Label(
                f"Announced by {terminal_safe(entities)}", id="features-entities", classes="title", markup=False
            )
            yield DataTable(id="features-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="feature-about", markup=False)

    def on_mount(self) -> None:
        if self._features is None:
            return
        for entity, feature, specification in self._features.rows():
            about = feature_about(feature)
            self._abouts.append(about)
            # the server's words: neither markup nor control characters
            self._cells.append(
                tuple(terminal_safe(cell) for cell in (entity, feature, specification, first_sentence(about)))
            )
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self.call_after_refresh(self._fit)

    def on_resize(self, _event: Resize) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Fill the table so it fits its width, the widest cells elided (each row is whole under
        the table when highlighted)."""
        if self._features is None:
            return  # nothing to fit: the server has not been asked yet
        table = self.query_one(DataTable)
        width = table.content_size.width - table.styles.scrollbar_size_vertical  # room kept for the scrollbar
        if not width or width == self._filled_at:
            return
        self._filled_at = width
        padding = 2 * table.cell_padding * len(COLUMNS)
        natural = [
            max([cell_len(name), *(cell_len(cells[n]) for cells in self._cells)]) for n, name in enumerate(COLUMNS)
        ]
        widths = fitted(natural, width - padding)
        row = table.cursor_row
        table.clear(columns=True)
        for name, column_width in zip(COLUMNS, widths, strict=True):
            table.add_column(name, width=column_width)
        for cells in self._cells:
            texts = [Text(cell) for cell in cells]
            for text, cells_wide in zip(texts, widths, strict=True):
                text.truncate(cells_wide, overflow="ellipsis")
            table.add_row(*texts)
        table.move_cursor(row=row)

    @on(DataTable.RowHighlighted, "#features-table")
    def show_about(self, event: DataTable.RowHighlighted) -> None:
        """The whole description of the highlighted feature, under the table."""
        if 0 <= event.cursor_row < len(self._abouts):
            entity, feature, *_ = self._cells[event.cursor_row]
            self.query_one("#feature-about", Static).update(f"{feature} ({entity}): {self._abouts[event.cursor_row]}")
