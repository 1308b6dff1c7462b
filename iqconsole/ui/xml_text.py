"""Rich Text for XML, coloured by the core's token roles and the theme's styles."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from iqconsole.core.highlight import xml_spans


def highlight_xml(xml: str, styles: dict[str, Style]) -> Text:
    text = Text(xml, no_wrap=True, end="")
    for start, end, role in xml_spans(xml):
        text.stylize(styles[role], start, end)
    return text
