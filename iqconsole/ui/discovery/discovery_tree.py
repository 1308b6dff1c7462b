"""The discovery tree: entities (and their nodes) that ask disco#info and disco#items when opened,
their identities, features, info forms and items beneath them, long item lists a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode, UnknownNodeID

from iqconsole.core.disco import EntityInfo, FormField, Identity, Item
from iqconsole.core.discovery import Discovery, DiscoveryFailed
from iqconsole.core.knowledge import describe_namespace
from iqconsole.core.terminal_safe import terminal_safe


@dataclass(frozen=True)
class Place:
    """A line of the tree and the entity (its node) it belongs to."""

    jid: str
    node: str = ""


@dataclass(frozen=True)
class Entity(Place):
    name: str = ""  # the item's name, as its parent listed it
    role: str = ""  # 'your server', 'your account', 'typed'


@dataclass(frozen=True)
class IdentityLine(Place):
    identity: Identity = field(default_factory=lambda: Identity("?", "?"))


@dataclass(frozen=True)
class Feature(Place):
    var: str = ""


@dataclass(frozen=True)
class Form(Place):
    form_type: str = ""


@dataclass(frozen=True)
class Field(Place):
    form_type: str = ""
    field: FormField = field(default_factory=lambda: FormField(""))


@dataclass(frozen=True)
class Heading(Place):
    """'features (12)': opens onto the features."""


@dataclass(frozen=True)
class More(Place):
    """The rest of a long item list: the items not shown yet, or the page after `after`."""

    rest: tuple[Item, ...] = ()
    after: str = ""
    count: int | None = None


@dataclass(frozen=True)
class Problem(Place):
    message: str = ""


ASKING = "asking…"


class DiscoveryTree(Tree[Place]):
    HELP = """\
# Service discovery

Each entity asks its **disco#info** (identities, features, info forms) and **disco#items**
(components, rooms, nodes) when you open it (Enter or Space; Shift+← goes up): every request is in the
traffic log, paired with its reply. A long item list comes a page at a time (XEP-0059 where the
entity pages, else in chunks): Enter on "more" shows the next one. Answers are kept for the
session; **r** asks the entity again.

- **c** copies the JID, **t** opens the templates aimed at the entity (those that need its
  features first; on a feature, the templates that need that feature), **p** makes it the
  composer's `${peer}` (again: back to the selected log entry's sender).
- **g** types a JID (and a node after a space) to look at; **a** lists every feature the server,
  its components and your account announced at login in one table.
"""

    BINDINGS = [
        Binding("c", "copy", "Copy JID", id="discovery.copy", tooltip="Copy the entity's JID"),
        Binding("t", "templates", "Templates…", id="discovery.templates", tooltip="Templates aimed at the entity"),
        Binding("p", "peer", "Set ${peer}", id="discovery.peer", tooltip="Make the entity the composer's ${peer}"),
        Binding("r", "refresh", "Refresh", id="discovery.refresh", tooltip="Ask the entity again"),
        Binding("g", "screen.go", "Go to JID…", id="discovery.go", tooltip="Type a JID to look at"),
        Binding(
            "a",
            "screen.all_features",
            "All features",
            id="discovery.all-features",
            tooltip="Every feature announced at login, in one table",
        ),
    ]

    class TemplatesRequested(Message):
        """Open the templates aimed at `jid`: those that need `features` first."""

        def __init__(self, jid: str, info: EntityInfo | None, features: frozenset[str]):
            super().__init__()
            self.jid = jid
            self.info = info
            self.features = features

    class PeerChosen(Message):
        """Make `jid` the composer's ${peer} (or stop, when it already is)."""

        def __init__(self, jid: str):
            super().__init__()
            self.jid = jid

    def __init__(self, discovery: Discovery | None, **kwargs):
        super().__init__("entities", **kwargs)
        self.discovery = discovery
        self.show_root = False
        self.guide_depth = 3

    def add_entity(self, jid: str, node: str = "", role: str = "") -> TreeNode[Place]:
        """A top-level entity; one already there is moved to, not added twice."""
        for child in self.root.children:
            if isinstance(child.data, Entity) and (child.data.jid, child.data.node) == (jid, node):
                return child
        entity = Entity(jid, node, role=role)
        return self.root.add(self._entity_label(entity), entity)

    # -- opening an entity ---------------------------------------------------------------

    @on(Tree.NodeExpanded)
    def _opened(self, event: Tree.NodeExpanded[Place]) -> None:
        node = event.node
        if isinstance(node.data, Entity) and not node.children:
            node.add_leaf(Text(ASKING, style="italic dim"), Problem(node.data.jid, node.data.node, ASKING))
            self._load(node, node.data)

    @work(group="discovery", exit_on_error=False)
    async def _load(self, node: TreeNode[Place], entity: Entity) -> None:
        if self.discovery is None:
            self._fill(node, [Problem(entity.jid, entity.node, "not logged in: nothing can be asked")])
            return
        lines: list[Place] = []
        info: EntityInfo | None = None
        try:
            info = await self.discovery.info(entity.jid, entity.node)
        except DiscoveryFailed as failure:
            lines.append(Problem(entity.jid, entity.node, str(failure)))
        try:
            page = await self.discovery.items(entity.jid, entity.node)
        except DiscoveryFailed as failure:
            if info is None or "item-not-found" not in str(failure):  # a leaf with info has no items
                lines.append(Problem(entity.jid, entity.node, str(failure)))
            page = None
        if not self._holds(node):
            return  # refreshed or closed while asking
        self._fill(node, lines)
        if info is not None:
            node.set_label(self._entity_label(entity, info))
            self._add_info(node, info)
        if page is not None:
            self._add_items(node, entity, page.items, page.last, page.count)
        if not node.children:
            node.add_leaf(Text("nothing announced", style="dim"), Problem(entity.jid, entity.node, "nothing announced"))
        if self.cursor_node is node:  # what is said about it under the tree changed
            self.post_message(Tree.NodeHighlighted(node))

    def _holds(self, node: TreeNode[Place]) -> bool:
        try:
            return self.get_node_by_id(node.id) is node
        except UnknownNodeID:
            return False

    def _fill(self, node: TreeNode[Place], problems: list[Place]) -> None:
        node.remove_children()
        for problem in problems:
            assert isinstance(problem, Problem)
            node.add_leaf(Text(f"✖ {one_line(problem.message)}", style="red"), problem)

    def _add_info(self, node: TreeNode[Place], info: EntityInfo) -> None:
        jid, at = info.jid, info.node
        for identity in info.identities:
            node.add_leaf(_identity_label(identity), IdentityLine(jid, at, identity))
        if info.features:
            features = node.add(Text(f"features ({len(info.features)})", style="bold"), Heading(jid, at))
            for var in info.features:
                features.add_leaf(_feature_label(var), Feature(jid, at, var))
        for form in info.forms:
            shown = one_line(form.form_type or "(no FORM_TYPE)")
            fields = node.add(Text.assemble(("info form ", "bold"), shown), Form(jid, at, form.form_type))
            for form_field in form.fields:
                fields.add_leaf(_field_label(form_field), Field(jid, at, form.form_type, form_field))

    def _add_items(
        self, node: TreeNode[Place], parent: Entity, items: tuple[Item, ...], last: str, count: int | None
    ) -> None:
        """Up to a page of `items` under `node`, then a "more" line for the rest or the next page."""
        size = self.discovery.page_size if self.discovery is not None else len(items)
        ancestors = _entities_up_from(node)
        for item in items[:size]:
            entity = Entity(item.jid, item.node, item.name)
            if (item.jid, item.node) in ancestors:  # an item id naming its own service (pubsub items)
                node.add_leaf(self._entity_label(entity), Problem(item.jid, item.node, "this entity, listed again"))
            else:
                node.add(self._entity_label(entity), entity)
        rest = items[size:]
        if rest or last:
            shown = sum(isinstance(child.data, Entity) for child in node.children)
            more = More(parent.jid, parent.node, rest, "" if rest else last, count)
            node.add_leaf(_more_label(more, shown, size), more)

    @on(Tree.NodeSelected)
    def _more_chosen(self, event: Tree.NodeSelected[Place]) -> None:
        more = event.node.data
        parent = event.node.parent
        if isinstance(more, More) and parent is not None and isinstance(parent.data, Entity):
            event.node.set_label(Text(ASKING, style="italic dim"))
            self._next_page(event.node, parent, parent.data, more)

    @work(group="discovery", exit_on_error=False)
    async def _next_page(self, line: TreeNode[Place], node: TreeNode[Place], entity: Entity, more: More) -> None:
        if more.rest or self.discovery is None:
            line.remove()
            self._add_items(node, entity, more.rest, "", more.count)
            return
        try:
            page = await self.discovery.items(entity.jid, entity.node, more.after)
        except DiscoveryFailed as failure:
            line.set_label(Text(f"✖ {one_line(str(failure))} (Enter tries again)", style="red"))
            return
        if self._holds(line):
            line.remove()
            self._add_items(node, entity, page.items, page.last, page.count)

    # -- actions -------------------------------------------------------------------------

    @property
    def entity_node(self) -> TreeNode[Place] | None:
        """The entity the cursor is on or inside."""
        node = self.cursor_node
        while node is not None and not isinstance(node.data, Entity):
            node = node.parent
        return node

    def _entity(self) -> Entity | None:
        node = self.entity_node
        if node is None:
            self.notify("Move to an entity first (↑/↓).", severity="warning")
            return None
        assert isinstance(node.data, Entity)
        return node.data

    def action_copy(self) -> None:
        entity = self._entity()
        if entity is not None:
            self.app.copy_to_clipboard(entity.jid)
            self.notify(f"Copied {terminal_safe(entity.jid)} through the terminal (OSC 52).", markup=False)

    def action_templates(self) -> None:
        entity = self._entity()
        if entity is None:
            return
        info = self.discovery.known(entity.jid, entity.node) if self.discovery is not None else None
        place = self.cursor_node.data if self.cursor_node is not None else None
        if isinstance(place, Feature):
            wanted = frozenset({place.var})
        else:
            wanted = frozenset(info.features if info is not None else ())
        self.post_message(self.TemplatesRequested(entity.jid, info, wanted))

    def action_peer(self) -> None:
        entity = self._entity()
        if entity is not None:
            self.post_message(self.PeerChosen(entity.jid))

    def action_refresh(self) -> None:
        node = self.entity_node
        if node is None or not isinstance(node.data, Entity):
            self.notify("Move to an entity first (↑/↓).", severity="warning")
            return
        if self.discovery is not None:
            self.discovery.forget(node.data.jid, node.data.node)
        node.remove_children()
        node.set_label(self._entity_label(node.data))
        self.move_cursor(node)
        if node.is_expanded:
            node.add_leaf(Text(ASKING, style="italic dim"), Problem(node.data.jid, node.data.node, ASKING))
            self._load(node, node.data)
        else:
            node.expand()

    # -- labels --------------------------------------------------------------------------

    def _entity_label(self, entity: Entity, info: EntityInfo | None = None) -> Text:
        label = Text(no_wrap=True, overflow="ellipsis")
        if entity.node:
            label.append(one_line(entity.node), style="bold")
            label.append(f" @ {one_line(entity.jid)}", style="dim")
        else:
            label.append(one_line(entity.jid), style="bold")
        if entity.name:
            label.append(f"  {one_line(entity.name)}")
        if entity.role:
            label.append(f"  ({entity.role})", style="italic")
        if info is not None and info.identities:
            label.append(f"  [{one_line(info.identities[0].label)}]", style="cyan")
        return label


def one_line(text: str) -> str:
    """The server's words for one line of the tree: controls shown, line breaks as ⏎."""
    return terminal_safe(text).replace("\n", "⏎").replace("\t", " ")


def _entities_up_from(node: TreeNode[Place] | None) -> set[tuple[str, str]]:
    found = set()
    while node is not None:
        if isinstance(node.data, Entity):
            found.add((node.data.jid, node.data.node))
        node = node.parent
    return found


def _identity_label(identity: Identity) -> Text:
    return Text.assemble(("identity ", "dim"), (one_line(identity.label), "cyan"))


def _feature_label(var: str) -> Text:
    label = Text(one_line(var), no_wrap=True, overflow="ellipsis")
    known = describe_namespace(var)
    if known:
        label.append(f"  {known}", style="green")
    return label


def _field_label(form_field: FormField) -> Text:
    label = Text(one_line(form_field.label or form_field.var), style="bold")
    label.append(f": {one_line(', '.join(form_field.values))}")
    return label


def _more_label(more: More, shown: int, size: int) -> Text:
    of = f" of {more.count}" if more.count is not None else ""
    if more.rest:
        text = f"▸ {len(more.rest)} more ({shown} shown{of}): Enter shows the next {len(more.rest[:size])}"
    else:
        text = f"▸ next page ({shown} shown{of}): Enter asks for it"
    return Text(text, style="italic yellow")
