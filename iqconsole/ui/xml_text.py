"""Rich Text for XML, coloured by the core's token roles and the theme's styles."""

from __future__ import annotations

from collections.abc import Iterator

from rich.style import Style
from rich.text import Text

from iqconsole.core.highlight import xml_spans


def highlight_xml(xml: str, styles: dict[str, Style]) -> Text:
    text = Text(xml, no_wrap=True, end="")
    for start, end, role in xml_spans(xml):
        text.stylize(styles[role], start, end)
    return text


_PLAIN = Style()


def xml_runs(xml: str, styles: dict[str, Style], until: int | None = None) -> Iterator[tuple[str, Style]]:
    """`xml` as (text, style) runs, a null style where nothing is highlighted; with `until`, only
    as far as the run that covers that character."""
    position = 0
    for start, end, role in xml_spans(xml, until):
        if start > position:
            yield xml[position:start], _PLAIN
        yield xml[start:end], styles[role]
        position = end
    if position < len(xml) and (until is None or position < until):
        yield xml[position:], _PLAIN
