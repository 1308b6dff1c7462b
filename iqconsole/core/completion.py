"""What the composer can offer at the cursor: element names, attributes, attribute values,
namespaces and fixed text values, from the element model (core/element_model.py).

`complete(text, cursor)` looks back from the cursor only as far as it must: to the last `<`
for the tag being typed, then over the complete tags before it for the elements still open
(and their namespaces). The text may be half-written; nothing here ever raises on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from iqconsole.core.element_model import ElementInfo, ElementModel, element_model
from iqconsole.core.knowledge import describe_namespace, knowledge
from iqconsole.core.protocol import CLIENT_NS

__all__ = ["Candidate", "Completions", "complete"]

_NAME = r"[A-Za-z_][\w.:-]*"
_TAG = re.compile(
    rf"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<(/?)({_NAME})((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.S,
)
_ATTRIBUTE = re.compile(r"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_OPENING = re.compile(rf"<({_NAME})?$")
_CLOSING = re.compile(rf"</({_NAME})?$")
_IN_VALUE = re.compile(rf"\s({_NAME})\s*=\s*([\"'])([^\"']*)$")
_ATTRIBUTE_NAME = re.compile(rf"\s({_NAME})?$")
_STANZAS = ("iq", "message", "presence")


@dataclass(frozen=True)
class Candidate:
    label: str  # what the menu shows first
    insert: str  # what replaces the prefix
    detail: str = ""  # what the menu shows after it, dimmed
    caret_back: int = 0  # characters to move back after inserting (into the quotes of `a=""`)


@dataclass(frozen=True)
class Completions:
    start: int  # offset of the prefix: the insert replaces text[start:end]
    prefix: str
    candidates: tuple[Candidate, ...]
    kind: str  # element | attribute | value | namespace | text | closing
    end: int  # the cursor, or just past the closing quote of a value


@dataclass(frozen=True)
class _Open:
    """An element open at the cursor."""

    namespace: str
    name: str
    attributes: dict[str, str]


def complete(text: str, cursor: int, model: ElementModel | None = None) -> Completions | None:
    """The candidates for the word being typed at `cursor`, or None when there is nothing to offer."""
    model = model if model is not None else element_model()
    before = text[:cursor]
    tag_start = before.rfind("<")
    if tag_start >= 0 and ">" not in before[tag_start:]:
        found = _in_tag(before, tag_start, model)
    else:
        found = _in_text(before, model)
    if found is None or not found.candidates:
        return None
    if found.kind in ("value", "namespace"):  # the value comes with its closing quote, the caret after it
        quote = before[found.start - 1]
        closed = [replace(candidate, insert=candidate.insert + quote) for candidate in found.candidates]
        end = cursor + 1 if text[cursor : cursor + 1] == quote else cursor
        return replace(found, candidates=tuple(closed), end=end)
    return found


def _in_tag(before: str, tag_start: int, model: ElementModel) -> Completions | None:
    partial = before[tag_start:]
    if partial.startswith(("<!", "<?")):
        return None
    stack = _open_elements(before[:tag_start])
    parent = stack[-1] if stack else None
    closing = _CLOSING.match(partial)
    if closing:
        prefix = closing.group(1) or ""
        if parent is None:
            return None
        candidate = Candidate(parent.name, f"{parent.name}>", parent.namespace)
        return _filtered(before, prefix, [candidate], "closing")
    opening = _OPENING.match(partial)
    if opening:
        return _filtered(before, opening.group(1) or "", _element_candidates(parent, model), "element")
    name_match = re.match(rf"<({_NAME})", partial)
    if name_match is None:
        return None
    attributes = _attributes(partial)
    namespace = attributes.get("xmlns", parent.namespace if parent else CLIENT_NS)
    info = model.element(namespace, name_match.group(1))
    value = _IN_VALUE.search(partial)
    if value:
        attribute, prefix = value.group(1), value.group(3)
        if attribute == "xmlns":
            return _filtered(before, prefix, _namespace_candidates(parent, name_match.group(1), model), "namespace")
        allowed = info.values.get(attribute, ()) if info else ()
        return _filtered(before, prefix, [Candidate(item, item) for item in allowed], "value")
    attribute_name = _ATTRIBUTE_NAME.search(partial)
    if attribute_name is None:
        return None
    present = set(attributes)
    names = sorted(info.attributes) if info else []
    if "xmlns" not in present and info is None:
        names.append("xmlns")
    candidates = [
        Candidate(name, f'{name}=""', _values_hint(info, name), caret_back=1) for name in names if name not in present
    ]
    return _filtered(before, attribute_name.group(1) or "", candidates, "attribute")


def _in_text(before: str, model: ElementModel) -> Completions | None:
    """Inside an element's text: its fixed values (`<show>` of a presence)."""
    tag_start = before.rfind("<")
    if tag_start < 0:
        return None
    prefix = before[before.rfind(">") + 1 :]
    if not re.fullmatch(r"[\w-]*", prefix):
        return None
    last_tag = re.match(rf"<({_NAME})", before[tag_start:])
    if last_tag is None or last_tag.group(1) not in model.names_with_text_values:
        return None  # typing in a <body>: no scan of the text before
    stack = _open_elements(before)
    if not stack:
        return None
    info = model.element(stack[-1].namespace, stack[-1].name)
    if info is None or not info.text:
        return None
    return _filtered(before, prefix, [Candidate(value, value) for value in info.text], "text")


def _filtered(before: str, prefix: str, candidates: list[Candidate], kind: str) -> Completions:
    """The candidates starting with `prefix` (any case), then those containing it."""
    wanted = prefix.lower()
    first = [candidate for candidate in candidates if candidate.label.lower().startswith(wanted)]
    then = [candidate for candidate in candidates if wanted in candidate.label.lower() and candidate not in first]
    chosen = first + then
    if len(chosen) == 1 and chosen[0].label == prefix:
        chosen = []  # already typed in full: nothing to offer
    return Completions(len(before) - len(prefix), prefix, tuple(chosen), kind, len(before))


def _open_elements(text: str) -> list[_Open]:
    """The elements open at the end of `text`, outermost first, with their namespaces."""
    stack: list[_Open] = []
    for match in _TAG.finditer(text):
        closing, name, attribute_text, empty = match.groups()
        if name is None:  # a comment, a processing instruction, CDATA
            continue
        if closing:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index].name == name:
                    del stack[index:]
                    break
            continue
        if empty:
            continue
        attributes = _attributes(attribute_text or "")
        inherited = stack[-1].namespace if stack else CLIENT_NS
        stack.append(_Open(attributes.get("xmlns", inherited), name, attributes))
    return stack


def _attributes(text: str) -> dict[str, str]:
    return {match.group(1): match.group(2) or match.group(3) or "" for match in _ATTRIBUTE.finditer(text)}


def _element_candidates(parent: _Open | None, model: ElementModel) -> list[Candidate]:
    """The children `parent` may have: in its namespace by name, in another with their xmlns."""
    if parent is None:
        return [Candidate(name, name, "RFC 6120 stanza") for name in _STANZAS]
    info = model.element(parent.namespace, parent.name)
    if info is not None and info.children:
        children = sorted(info.children, key=lambda tag: (tag[0] != parent.namespace, tag[1], tag[0]))
    else:
        children = [(element.namespace, element.name) for element in model.elements_of(parent.namespace)]
    candidates = []
    for namespace, name in children:
        if namespace == parent.namespace:
            candidates.append(Candidate(name, name, ""))
        elif namespace:
            candidates.append(Candidate(name, f'{name} xmlns="{namespace}"', _namespace_label(namespace)))
    return candidates


def _namespace_candidates(parent: _Open | None, name: str, model: ElementModel) -> list[Candidate]:
    """Namespaces with an element of this name under this parent first, then every one known."""
    likely = []
    info = model.element(parent.namespace, parent.name) if parent else None
    if info is not None:
        likely = sorted(namespace for namespace, child in info.children if child == name)
    others = sorted(
        {namespace for namespace in model.namespaces if model.element(namespace, name)} - set(likely)
    ) + sorted(set(model.namespaces) | set(knowledge().namespaces))
    seen: set[str] = set()
    candidates = []
    for namespace in [*likely, *others]:
        if namespace not in seen:
            seen.add(namespace)
            candidates.append(Candidate(namespace, namespace, _namespace_label(namespace)))
    return candidates


def _namespace_label(namespace: str) -> str:
    return describe_namespace(namespace) or namespace


def _values_hint(info: ElementInfo | None, attribute: str) -> str:
    values = info.values.get(attribute, ()) if info else ()
    return " | ".join(values)
