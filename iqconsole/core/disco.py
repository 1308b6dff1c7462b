"""What a service discovery (XEP-0030) reply says: identities, features, extended info forms
(XEP-0128), items, and the result set (XEP-0059) that pages a long item list.

The replies come from the network: anything missing or malformed reads as absent, never as an
exception other than ValueError for a reply that is not a disco result at all.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import cast
from xml.sax.saxutils import quoteattr

from iqconsole.core.stanza import StanzaError, parse_stanzas

__all__ = [
    "DATA_FORMS",
    "DISCO_INFO",
    "DISCO_ITEMS",
    "RSM",
    "EntityInfo",
    "FormField",
    "Identity",
    "InfoForm",
    "Item",
    "ItemsPage",
    "ItemsReader",
    "disco_request",
    "read_info",
    "read_items",
]

DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
RSM = "http://jabber.org/protocol/rsm"
DATA_FORMS = "jabber:x:data"


@dataclass(frozen=True)
class Identity:
    category: str
    type: str
    name: str = ""

    @property
    def label(self) -> str:
        """'conference/text Chatrooms'."""
        return f"{self.category}/{self.type}" + (f" {self.name}" if self.name else "")


@dataclass(frozen=True)
class FormField:
    var: str
    label: str = ""
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class InfoForm:
    """An extended info form (XEP-0128): its FORM_TYPE and the other fields."""

    form_type: str
    fields: tuple[FormField, ...] = ()


@dataclass(frozen=True)
class EntityInfo:
    """One disco#info answer, of an entity or of one of its nodes."""

    jid: str
    node: str = ""
    identities: tuple[Identity, ...] = ()
    features: tuple[str, ...] = ()
    forms: tuple[InfoForm, ...] = ()


@dataclass(frozen=True)
class Item:
    jid: str
    node: str = ""
    name: str = ""


@dataclass(frozen=True)
class ItemsPage:
    """Some items of an entity; `last` is set when the server paged them (XEP-0059) and more
    may follow it, `count` when it said how many there are in all."""

    items: tuple[Item, ...]
    last: str = ""
    count: int | None = None
    index: int = 0  # the position of the first item in the whole list

    def ends(self, asked: int) -> bool:
        """Whether no page follows this one, asked for at most `asked` items."""
        if not self.last or len(self.items) < asked:
            return True
        return self.count is not None and self.index + len(self.items) >= self.count


def disco_request(namespace: str, jid: str, node: str = "", *, max_items: int = 0, after: str = "") -> str:
    """The <iq type='get'> asking `jid` (its `node`) for disco#info or disco#items; with
    `max_items`, asks for one page of at most that many, after the item `after`."""
    node_attribute = f" node={quoteattr(node)}" if node else ""
    paging = ""
    if max_items:
        after_element = f"<after>{_escaped(after)}</after>" if after else ""
        paging = f"<set xmlns='{RSM}'><max>{max_items}</max>{after_element}</set>"
    query = f"<query xmlns={quoteattr(namespace)}{node_attribute}>{paging}</query>"
    return f"<iq type='get' to={quoteattr(jid)}>{query}</iq>"


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def disco_query(xml: str, namespace: str) -> ET.Element:
    """The <query> of a disco result; ValueError when `xml` is not one."""
    try:
        (iq,) = parse_stanzas(xml)
    except (StanzaError, ValueError):
        raise ValueError("not one stanza") from None
    query = iq.find(f"{{{namespace}}}query")
    if iq.get("type") != "result" or query is None:
        raise ValueError(f"not a {namespace} result")
    return query


def read_info(xml: str, jid: str, node: str = "") -> EntityInfo:
    """Read a disco#info result; ValueError when `xml` is not one."""
    query = disco_query(xml, DISCO_INFO)
    identities = tuple(
        Identity(element.get("category", "?"), element.get("type", "?"), element.get("name", ""))
        for element in query.findall(f"{{{DISCO_INFO}}}identity")
    )
    features = tuple(sorted({element.get("var", "") for element in query.findall(f"{{{DISCO_INFO}}}feature")} - {""}))
    forms = tuple(_read_form(form) for form in query.findall(f"{{{DATA_FORMS}}}x"))
    return EntityInfo(jid, node, identities, features, forms)


def _read_form(form: ET.Element) -> InfoForm:
    fields = [
        FormField(
            field.get("var", ""),
            field.get("label", ""),
            tuple(value.text or "" for value in field.findall(f"{{{DATA_FORMS}}}value")),
        )
        for field in form.findall(f"{{{DATA_FORMS}}}field")
    ]
    form_type = next((field.values[0] for field in fields if field.var == "FORM_TYPE" and field.values), "")
    return InfoForm(form_type, tuple(field for field in fields if field.var != "FORM_TYPE"))


def read_items(xml: str) -> ItemsPage:
    """Read a disco#items result (and its result set, if any); ValueError when `xml` is not one."""
    reader = ItemsReader()
    reader.feed(xml)
    return reader.page()


class ItemsReader:
    """Reads a disco#items result fed in pieces, so that a list of thousands of items is read
    a piece at a time, between which the front end draws and takes keys."""

    def __init__(self) -> None:
        self._parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        self._path: list[str] = []  # the local names from the <iq> down to where the parser is
        self._result = False
        self._query = False
        self._items: dict[Item, None] = {}
        self._paging: dict[str, str] = {}  # first, index, last, count of the result set

    def feed(self, text: str) -> None:
        try:
            self._parser.feed(text)
            events = list(self._parser.read_events())
        except ET.ParseError as error:
            raise ValueError(f"not one stanza: {error}") from None
        for event, element in cast("list[tuple[str, ET.Element]]", events):  # start and end: elements
            namespace, _, local = element.tag[1:].rpartition("}") if element.tag[:1] == "{" else ("", "", element.tag)
            if event == "start":
                self._path.append(local)
                if self._path == ["iq"]:
                    self._result = element.get("type") == "result"
                elif self._path == ["iq", "query"] and namespace == DISCO_ITEMS:
                    self._query = True
                continue
            self._ended(element, namespace, local)
            self._path.pop()

    def _ended(self, element: ET.Element, namespace: str, local: str) -> None:
        depth = len(self._path)
        if depth == 3 and namespace == DISCO_ITEMS and local == "item" and element.get("jid"):
            item = Item(element.get("jid", ""), element.get("node", ""), element.get("name", ""))
            self._items[item] = None
        elif depth == 4 and namespace == RSM and self._path[2] == "set":
            self._paging[local] = (element.text or "").strip()
            if local == "first":
                self._paging["index"] = element.get("index", "").strip()
        if depth >= 3:
            element.clear()  # read: only its place in the list stays

    def page(self) -> ItemsPage:
        """What was read; ValueError when it was not a whole disco#items result."""
        try:
            self._parser.close()
        except ET.ParseError as error:
            raise ValueError(f"not one stanza: {error}") from None
        if not (self._result and self._query):
            raise ValueError(f"not a {DISCO_ITEMS} result")
        items = tuple(self._items)
        count, index = self._paging.get("count", ""), self._paging.get("index", "")
        return ItemsPage(
            items,
            self._paging.get("last", "") if items else "",
            int(count) if count.isdigit() else None,
            int(index) if index.isdigit() else 0,
        )
