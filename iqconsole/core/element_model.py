"""Which elements, attributes and values each namespace has: for the composer's completion and
its unknown-child warning.

Read from two data files of iqconsole/knowledge/: elements.json, derived from slixmpp's stanza
classes by scripts/build_element_model.py, and elements.toml, written by hand (what slixmpp's
model lacks: allowed values, missing children, elements and namespaces known to be incomplete).
Both are checked when read (a KnowledgeError names the file and the key). An element is "open"
when its description may be incomplete: nothing under it is ever called unknown, so a valid
stanza never gets a false warning.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any
from xml.etree.ElementTree import Element

from iqconsole.core.knowledge import _File, _quoted, knowledge
from iqconsole.core.protocol import CLIENT_NS, STANZAS_NS, XML_NS
from iqconsole.core.stanza import split_tag

__all__ = ["ElementInfo", "ElementModel", "element_model", "load_element_model"]

Tag = tuple[str, str]  # (namespace, name)
_ALWAYS_ALLOWED = {"xmlns", f"{{{XML_NS}}}lang"}
_ENTRY_KEYS = {"attributes", "children", "values", "text", "open"}
MAX_WARNINGS = 5  # per stanza: the rest would only repeat the point


@dataclass(frozen=True)
class ElementInfo:
    namespace: str
    name: str
    attributes: frozenset[str] = frozenset()
    children: frozenset[Tag] = frozenset()
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # attribute -> allowed values
    text: tuple[str, ...] = ()  # allowed text content
    open: bool = False  # the description may be incomplete: never warn under it

    def label(self) -> str:
        return f"<{self.name}> ({self.namespace})"


@dataclass(frozen=True)
class ElementModel:
    elements: Mapping[Tag, ElementInfo]
    open_namespaces: frozenset[str] = frozenset()

    @cached_property
    def namespaces(self) -> list[str]:
        return sorted({namespace for namespace, _ in self.elements})

    @cached_property
    def names_with_text_values(self) -> frozenset[str]:
        """Element names with a fixed set of texts (`show`): completion looks for no others."""
        return frozenset(name for (_, name), info in self.elements.items() if info.text)

    @cached_property
    def _closed_namespaces(self) -> frozenset[str]:
        return frozenset(self.namespaces) - self.open_namespaces

    def element(self, namespace: str, name: str) -> ElementInfo | None:
        return self.elements.get((namespace, name))

    def elements_of(self, namespace: str) -> list[ElementInfo]:
        return [info for (known, _), info in sorted(self.elements.items()) if known == namespace]

    def knows(self, namespace: str) -> bool:
        """A namespace whose elements are all listed (so an element it lacks is unknown)."""
        return namespace in self._closed_namespaces

    def unknowns(self, stanza: Element) -> list[str]:
        """What `stanza` has that its namespaces do not know: elements, children, attributes,
        values. Elements in a namespace the model does not know, and anything under an open
        element, are never called unknown. At most MAX_WARNINGS."""
        found: list[str] = []
        for problem in self._walk(stanza, None):
            found.append(problem)
            if len(found) == MAX_WARNINGS:
                break
        return found

    def _walk(self, node: Element, parent: ElementInfo | None) -> Iterator[str]:
        namespace, name = split_tag(node.tag)
        info = self.element(namespace, name)
        if info is None:
            unknown = list(self._unknown_element(namespace, name, parent))
            yield from unknown
            if unknown:
                return  # what is under an unknown element is unknown too: saying so again helps no one
        else:
            yield from _unknown_attributes(node, info)
            if info.text and not len(node) and (node.text or "").strip() not in info.text:
                yield f"{info.label()} holds {node.text or ''!r}, not one of {', '.join(info.text)}"
        for child in node:
            if isinstance(child.tag, str):
                yield from self._walk(child, info)

    def _unknown_element(self, namespace: str, name: str, parent: ElementInfo | None) -> Iterator[str]:
        if not self.knows(namespace):
            return
        if parent is not None and parent.namespace == namespace:
            if not parent.open:
                known = sorted(child for child_ns, child in parent.children if child_ns == namespace)
                yield f"{parent.label()} has no child <{name}>{_known(known)}"
            return
        known = sorted(info.name for info in self.elements_of(namespace))
        yield f"{namespace} has no element <{name}>{_known(known)}"


def _unknown_attributes(node: Element, info: ElementInfo) -> Iterator[str]:
    for attribute, value in node.attrib.items():
        if attribute in _ALWAYS_ALLOWED or attribute.startswith("{"):
            continue
        if attribute not in info.attributes:
            if not info.open:
                yield f"{info.label()} has no attribute {attribute}{_known(sorted(info.attributes))}"
        elif attribute in info.values and value not in info.values[attribute]:
            yield f"{info.label()}: {attribute}={value!r} is not one of {', '.join(info.values[attribute])}"


def _known(names: list[str]) -> str:
    if not names:
        return ""
    shown = ", ".join(names[:12])
    return f" (known: {shown}{', …' if len(names) > 12 else ''})"


# -- reading and checking -------------------------------------------------------------------------


def _strings(source: _File, value: object, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise source.fail(key, "must be a list of non-empty strings")
    return value


def _child(namespace: str, name: str) -> Tag:
    return split_tag(name) if name.startswith("{") else (namespace, name)


class _Builder:
    """Elements merged from both files: lists are unions, `open` in elements.toml wins."""

    def __init__(self) -> None:
        self.entries: dict[Tag, dict[str, Any]] = {}

    def entry(self, tag: Tag) -> dict[str, Any]:
        found = self.entries.get(tag)
        if found is None:
            found = self.entries[tag] = {
                "attributes": set(),
                "children": set(),
                "values": {},
                "text": [],
                "open": False,
            }
        return found

    def add(
        self, source: _File, namespace: str, name: str, entry: Mapping[str, Any], key: str, replace: bool = False
    ) -> None:
        """Merge `entry`; with `replace`, its value lists replace those read before. Only the
        keys present are read (most elements have one or two): this runs 650 times at start-up."""
        if not entry.keys() <= _ENTRY_KEYS:
            source.only(entry, key, _ENTRY_KEYS)
        merged = self.entry((namespace, name))
        if "attributes" in entry:
            merged["attributes"].update(_strings(source, entry["attributes"], f"{key}.attributes"))
        for child in _strings(source, entry["children"], f"{key}.children") if "children" in entry else ():
            tag = _child(namespace, child)
            merged["children"].add(tag)
            self.entry(tag)
        for attribute, values in source.table(entry["values"], f"{key}.values").items() if "values" in entry else ():
            allowed = _strings(source, values, f"{key}.values.{_quoted(attribute)}")
            before = set() if replace else set(merged["values"].get(attribute, ()))
            merged["values"][attribute] = tuple(sorted(before | set(allowed)))
            merged["attributes"].add(attribute)
        if "text" in entry:
            text = set(_strings(source, entry["text"], f"{key}.text"))
            merged["text"] = sorted(text if replace else text | set(merged["text"]))
        if "open" in entry:
            if not isinstance(entry["open"], bool):
                raise source.fail(f"{key}.open", "must be true or false")
            merged["open"] = entry["open"]

    def model(self, open_namespaces: set[str]) -> ElementModel:
        return ElementModel(
            {
                tag: ElementInfo(
                    tag[0],
                    tag[1],
                    frozenset(entry["attributes"]),
                    frozenset(entry["children"]),
                    dict(entry["values"]),
                    tuple(entry["text"]),
                    entry["open"],
                )
                for tag, entry in self.entries.items()
            },
            frozenset(open_namespaces),
        )


def load_element_model(directory: Traversable | None = None) -> ElementModel:
    """Read and check elements.json and elements.toml of `directory` (the package's own by default)."""
    directory = directory if directory is not None else files("iqconsole") / "knowledge"
    builder = _Builder()
    derived = _File(directory, "elements.json")
    for namespace, elements in derived.entries(derived.table(derived.data, "").get("namespaces"), "namespaces").items():
        where = f'namespaces."{namespace}"'
        for name, entry in elements.items():
            if not isinstance(entry, dict):
                raise derived.fail(f"{where}.{name}", "must be a table")
            builder.add(derived, namespace, name, entry, f"{where}.{name}")
    written = _File(directory, "elements.toml")
    written.only(written.data, "(top level)", {"element", "namespace"})
    for namespace, elements in written.entries(written.data.get("element", {}), "element").items():
        for name, entry in written.entries(elements, f"element.{_quoted(namespace)}").items():
            builder.add(written, namespace, name, entry, f"element.{_quoted(namespace)}.{_quoted(name)}", True)
    open_namespaces = set()
    for namespace, entry in written.entries(written.data.get("namespace", {}), "namespace").items():
        key = f"namespace.{_quoted(namespace)}"
        written.only(entry, key, {"open", "why"})
        if entry.get("open") is not True:
            raise written.fail(f"{key}.open", "must be true (a namespace is known unless marked open)")
        written.text(entry, key, "why")
        open_namespaces.add(namespace)
    _add_stanza_conditions(builder)
    return builder.model(open_namespaces)


def _add_stanza_conditions(builder: _Builder) -> None:
    """The conditions of RFC 6120 §8.3.3 (conditions.toml) are the children of <error>."""
    conditions = [name for group, name in knowledge().conditions if group == "stanza"]
    error = builder.entry((CLIENT_NS, "error"))
    for name in [*conditions, "text"]:
        error["children"].add((STANZAS_NS, name))
        builder.entry((STANZAS_NS, name))


@cache
def element_model() -> ElementModel:
    """The package's element model, read once (about 10 ms)."""
    return load_element_model()
