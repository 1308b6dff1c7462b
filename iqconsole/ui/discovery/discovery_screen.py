"""F8: the service discovery browser. It starts at the account's server and the account's own JID
(and any JID typed in) and walks disco#info and disco#items as the user opens entities; the line
under the tree says everything about the highlighted one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, Tree

from iqconsole.core.disco import EntityInfo
from iqconsole.core.discovery import Discovery
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.ui.discovery.discovery_tree import (
    DiscoveryTree,
    Entity,
    Feature,
    Field,
    Form,
    IdentityLine,
    More,
    Place,
    Problem,
)
from iqconsole.ui.screens.server_features_screen import feature_about

GO_HINT = "Type a JID (and a node after a space): Enter opens it."


class DiscoveryScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f8", "dismiss(None)", "Close", id="discovery.close", tooltip="Close the discovery browser"),
        # a modal screen hides the app's keys: its own F1
        Binding("f1", "app.help", "Help", id="discovery.help", tooltip="What the browser does, and its keys"),
    ]

    class AllFeaturesRequested(Message):
        """List every feature the login's discovery found, in one table."""

    def __init__(self, discovery: Discovery | None, server: str, account: str):
        """`server` and `account` (a bare JID) are where the walk starts."""
        super().__init__()
        self.discovery = discovery
        self.server = server
        self.account = account

    def compose(self) -> ComposeResult:
        with Vertical(id="discovery"):
            yield Label("Service discovery", classes="title")
            yield Input(placeholder="g: a JID to look at (a node after a space), Enter adds it", id="discovery-jid")
            yield DiscoveryTree(self.discovery, id="discovery-tree")
            yield Static("", id="discovery-detail", markup=False)
            yield Label(
                "Enter opens · c copy JID · t templates · p ${peer} · r refresh · g JID · a all features · F1 · Esc",
                classes="hint",
                markup=False,
            )

    @property
    def entities(self) -> DiscoveryTree:
        return self.query_one(DiscoveryTree)

    def on_mount(self) -> None:
        tree = self.entities
        server = tree.add_entity(self.server, role="your server")
        if self.account:
            tree.add_entity(self.account, role="your account")
        server.expand()
        tree.focus()

    def action_go(self) -> None:
        self.query_one("#discovery-jid", Input).focus()
        self.query_one("#discovery-detail", Static).update(GO_HINT)

    @on(Input.Submitted, "#discovery-jid")
    def go(self, event: Input.Submitted) -> None:
        jid, _, node = event.value.strip().partition(" ")
        if not jid:
            return
        tree = self.entities
        added = tree.add_entity(jid, node.strip(), role="typed")
        added.expand()
        tree.move_cursor(added)
        tree.focus()
        event.input.value = ""

    def action_all_features(self) -> None:
        self.post_message(self.AllFeaturesRequested())

    @on(Tree.NodeHighlighted, "#discovery-tree")
    def describe(self, event: Tree.NodeHighlighted[Place]) -> None:
        if event.node.data is not None:
            known = self.discovery.known(event.node.data.jid, event.node.data.node) if self.discovery else None
            self.query_one("#discovery-detail", Static).update(describe(event.node.data, known))


def describe(place: Place, info: EntityInfo | None = None) -> str:
    """Everything about one line of the tree, whole (the tree cuts long lines); `info`: what its
    entity answered, if it did."""
    where = terminal_safe(place.jid + (f" node {place.node}" if place.node else ""))
    if isinstance(place, Entity):
        name = f" ({terminal_safe(place.name)})" if place.name else ""
        if info is None:
            return f"{where}{name}: Enter opens it (disco#info and disco#items); c copies the JID, t templates, p ${{peer}}."
        identities = "; ".join(identity.label for identity in info.identities) or "no identity"
        forms = f", info forms: {', '.join(form.form_type for form in info.forms)}" if info.forms else ""
        return terminal_safe(f"{where}{name}: {identities}; {len(info.features)} features{forms}.")
    if isinstance(place, Feature):
        return f"{terminal_safe(place.var)} on {where}: {terminal_safe(feature_about(place.var))}"
    if isinstance(place, IdentityLine):
        identity = place.identity
        name = f", named {identity.name!r}" if identity.name else ""
        return terminal_safe(f"{where} is a {identity.category}/{identity.type}{name} (XEP-0030 identity)")
    if isinstance(place, Field):
        values = "\n".join(place.field.values) or "(no value)"
        label = f" ({place.field.label})" if place.field.label else ""
        return terminal_safe(f"{place.field.var}{label} in {place.form_type} of {where}:\n{values}")
    if isinstance(place, Form):
        return terminal_safe(f"An extended info form (XEP-0128) of {where}: {place.form_type or 'no FORM_TYPE'}")
    if isinstance(place, More):
        return f"More items of {where}: Enter shows them."
    if isinstance(place, Problem):
        return f"{where}: {terminal_safe(place.message)}"
    return f"{where}: features, Enter opens the list; each one's specification and meaning shows here."
