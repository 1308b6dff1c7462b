"""Scansion's matching rules: is a received stanza the one the script expects, and if not,
where is the first difference.

Non-strict (elements in the stream's own namespace, jabber:client): every attribute and child
the script names must be there; extra ones are ignored, and children may come in any order.
Strict (elements of any other namespace): the same attributes, and the same children in the
same order. `scansion:strict="true|false"` on an element sets the mode for it and everything
inside it. `{scansion:any}` as an attribute value or as text: present, whatever the value.
Text is compared (trimmed) only where the script gives some.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from iqconsole.core.protocol import CLIENT_NS, XML_NS
from iqconsole.core.stanza import split_tag

SCANSION_NS = "https://matthewwild.co.uk/projects/scansion"
ANY = "{scansion:any}"
STRICT_ATTRIBUTE = f"{{{SCANSION_NS}}}strict"


@dataclass(frozen=True)
class Mismatch:
    """The first difference: what differs, and the two elements where it was found (for a
    missing child, the received element that lacks it)."""

    reason: str
    path: str
    expected: ET.Element
    received: ET.Element


def mismatch(expected: ET.Element, received: ET.Element) -> Mismatch | None:
    """None when `received` satisfies `expected` under Scansion's rules."""
    return _compare(expected, received, None, "")


def _chosen(expected: ET.Element, inherited: bool | None) -> bool | None:
    """The mode `scansion:strict` sets here or on an ancestor (None: none does)."""
    chosen = expected.get(STRICT_ATTRIBUTE)
    return inherited if chosen is None else chosen.strip().lower() == "true"


def _compare(expected: ET.Element, received: ET.Element, inherited: bool | None, parent_path: str) -> Mismatch | None:
    path = f"{parent_path}/{split_tag(expected.tag)[1]}"
    chosen = _chosen(expected, inherited)
    strict = split_tag(expected.tag)[0] != CLIENT_NS if chosen is None else chosen
    if expected.tag != received.tag:
        return Mismatch(
            f"element: expected {label(expected.tag)}, received {label(received.tag)}", path, expected, received
        )
    wanted = {name: value for name, value in expected.attrib.items() if name != STRICT_ATTRIBUTE}
    for name, value in wanted.items():
        if name not in received.attrib:
            return Mismatch(f"attribute {attribute_name(name)} is missing", path, expected, received)
        if value != ANY and received.attrib[name] != value:
            got = received.attrib[name]
            return Mismatch(
                f"attribute {attribute_name(name)}: expected {value!r}, received {got!r}", path, expected, received
            )
    if strict:
        extra = [name for name in received.attrib if name not in wanted]
        if extra:
            names = ", ".join(attribute_name(name) for name in extra)
            return Mismatch(f"unexpected attribute {names} (strict)", path, expected, received)
    text = (expected.text or "").strip()
    if text and text != ANY and text != (received.text or "").strip():
        got = (received.text or "").strip()
        return Mismatch(f"text: expected {text!r}, received {got!r}", path, expected, received)
    children = list(expected)
    if strict:
        return _compare_in_order(children, list(received), path, expected, received, chosen)
    return _compare_any_order(children, received, path, chosen)


def _compare_in_order(
    children: list[ET.Element],
    found: list[ET.Element],
    path: str,
    expected: ET.Element,
    received: ET.Element,
    chosen: bool | None,
) -> Mismatch | None:
    for index, child in enumerate(children):
        if index >= len(found):
            return Mismatch(f"child {label(child.tag)} is missing (strict: in this order)", path, child, received)
        different = _compare(child, found[index], chosen, path)
        if different is not None:
            return different
    if len(found) > len(children):
        extra = found[len(children)]
        return Mismatch(f"unexpected child {label(extra.tag)} (strict)", path, expected, extra)
    return None


def _compare_any_order(
    children: list[ET.Element], received: ET.Element, path: str, chosen: bool | None
) -> Mismatch | None:
    """Each expected child must match a distinct received one. When none does, the difference
    with the only received child of the same name says why; with several, that none is it."""
    unused: dict[str, list[ET.Element]] = {}  # by name: only children of the same name are compared
    for candidate in received:
        unused.setdefault(candidate.tag, []).append(candidate)
    for child in children:
        candidates = unused.get(child.tag, [])
        differences = []
        for candidate in candidates:
            different = _compare(child, candidate, chosen, path)
            if different is None:
                candidates.remove(candidate)
                break
            differences.append(different)
        else:
            if len(differences) == 1:
                return differences[0]
            where = f"{path}/{split_tag(child.tag)[1]}"
            among = f"the {len(differences)} received of that name" if differences else "the received children"
            return Mismatch(f"no {start_tag(child)} among {among}", where, child, received)
    return None


def start_tag(element: ET.Element) -> str:
    """`<feature var='x'>`: the element as the script names it, for a reason."""
    attributes = "".join(
        f" {attribute_name(name)}='{value}'" for name, value in element.attrib.items() if name != STRICT_ATTRIBUTE
    )
    return label(element.tag)[:-1] + attributes + ">"


def label(tag: str) -> str:
    namespace, local = split_tag(tag)
    return f"<{local}>" if namespace in ("", CLIENT_NS) else f"<{local} xmlns='{namespace}'>"


def attribute_name(name: str) -> str:
    namespace, local = split_tag(name)
    if namespace == XML_NS:
        return f"xml:{local}"
    if namespace == SCANSION_NS:
        return f"scansion:{local}"
    return f"{{{namespace}}}{local}" if namespace else local
