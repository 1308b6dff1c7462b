"""A received stanza as text: slixmpp's `tostring(element, xmlns=...)`, character for character, faster.

The log keeps every received stanza as text, serialized at once (handlers mutate stanza objects).
slixmpp's serializer splits each tag, formats its namespace and escapes every value with several
calls per element: in a flood it was a tenth of the console's receive path. Here each tag's opening
and closing text is made once (per tag and parent namespace) and reused, and a value is escaped
only when it holds a character that needs it. The output is the same as slixmpp's without a
stream (its namespace map and CDATA do not apply): a namespace is declared where it differs from
the parent's, namespaced attributes other than `xml:` are left out, an empty element is written
`<tag />`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from iqconsole.core.protocol import XML_NS

# (tag, parent namespace) -> ("<name xmlns=…", "</name>", namespace)
_TAGS: dict[tuple[str, str], tuple[str, str, str]] = {}
_MAX_TAGS = 4096  # a peer may send any number of distinct tags: the cache stays bounded


def stanza_text(element: ET.Element, xmlns: str) -> str:
    """`element` as slixmpp's `tostring(element, xmlns=xmlns)` writes it."""
    out: list[str] = []
    _write(element, xmlns, out)
    return "".join(out)


def escape_markup(text: str) -> str:
    """`&`, `<`, `>` and both quotes as entities, as slixmpp's `escape` writes them (in C time)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&apos;")
        .replace('"', "&quot;")
    )


def _escape(text: str) -> str:
    if "&" not in text and "<" not in text and ">" not in text and "'" not in text and '"' not in text:
        return text
    return escape_markup(text)


def _tag_text(tag: str, xmlns: str) -> tuple[str, str, str]:
    split = tag.split("}", 1)
    name = split[-1]
    namespace = split[0][1:] if "}" in tag else ""
    declaration = f' xmlns="{namespace}"' if namespace != xmlns else ""
    made = (f"<{name}{declaration}", f"</{name}>", namespace)
    if len(_TAGS) >= _MAX_TAGS:
        _TAGS.clear()
    _TAGS[tag, xmlns] = made
    return made


def _write(element: ET.Element, xmlns: str, out: list[str]) -> None:
    opening, closing, namespace = _TAGS.get((element.tag, xmlns)) or _tag_text(element.tag, xmlns)
    out.append(opening)
    for name, value in element.attrib.items():
        if "}" not in name:
            out.append(f' {name}="{_escape(value)}"')
        else:
            split = name.split("}")
            if split[0][1:] == XML_NS:
                out.append(f' xml:{split[1]}="{_escape(value)}"')
    text = element.text
    if len(element) or text:
        out.append(">")
        if text:
            out.append(_escape(text))
        for child in element:
            _write(child, namespace, out)
        out.append(closing)
    else:
        out.append(" />")
    if element.tail:
        out.append(_escape(element.tail))
