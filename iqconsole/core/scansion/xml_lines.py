"""A stanza as indented lines for a failure report, with one element pointed at.

Namespaces are written only where they change (as a person writes a script), so the expected
and the received stanza read alike and the arrow shows where they part.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from iqconsole.core.protocol import CLIENT_NS
from iqconsole.core.scansion.match import attribute_name
from iqconsole.core.stanza import split_tag

MARK = "   <-- first mismatch"
INDENT = "  "


def xml_lines(element: ET.Element, mark: ET.Element | None = None) -> list[str]:
    """Indented lines of `element`; the start tag of `mark` (if inside) ends with MARK."""
    lines: list[str] = []
    _write(element, CLIENT_NS, 0, mark, lines)
    return lines


def _write(element: ET.Element, parent_namespace: str, depth: int, mark: ET.Element | None, lines: list[str]) -> None:
    namespace, local = split_tag(element.tag)
    attributes = "".join(f" {attribute_name(name)}={quoteattr(value)}" for name, value in element.attrib.items())
    if namespace != parent_namespace:
        attributes = f" xmlns={quoteattr(namespace)}{attributes}"
    text = escape((element.text or "").strip())
    pad = INDENT * depth
    pointer = MARK if element is mark else ""
    children = list(element)
    if not children and not text:
        lines.append(f"{pad}<{local}{attributes}/>{pointer}")
        return
    if not children:
        lines.append(f"{pad}<{local}{attributes}>{text}</{local}>{pointer}")
        return
    lines.append(f"{pad}<{local}{attributes}>{text}{pointer}")
    for child in children:
        _write(child, namespace, depth + 1, mark, lines)
    lines.append(f"{pad}</{local}>")
