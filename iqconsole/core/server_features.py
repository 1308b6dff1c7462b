"""What the server, its components and the account announce (XEP-0030), and which XEP each namespace is.

After login the console asks the server for disco#info and disco#items, then disco#info of each
item (its components: MUC, pubsub, upload, proxies), and disco#info of the account's own bare JID
(where servers announce PEP and MAM). `parse_disco_info`/`parse_disco_items` read the replies;
`ServerFeatures` collects them, answers "does this entity announce this feature?" (the template
picker marks the templates whose target does) and lists every feature with its XEP name (from
the knowledge files, core/knowledge.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iqconsole.core.disco import DISCO_INFO, DISCO_ITEMS, EntityInfo, read_info, read_items
from iqconsole.core.knowledge import describe_namespace, is_known_namespace

__all__ = [
    "DISCO_INFO",
    "DISCO_ITEMS",
    "DiscoInfo",
    "ServerFeatures",
    "describe_namespace",
    "is_known_namespace",
    "parse_disco_info",
    "parse_disco_items",
]


@dataclass(frozen=True)
class DiscoInfo:
    """One entity's disco#info answer."""

    jid: str
    identities: tuple[str, ...] = ()  # 'category/type name'
    features: tuple[str, ...] = ()

    @classmethod
    def of(cls, info: EntityInfo) -> DiscoInfo:
        return cls(info.jid, tuple(identity.label for identity in info.identities), info.features)


def parse_disco_info(xml: str, jid: str) -> DiscoInfo:
    """Read a disco#info result; ValueError when `xml` is not one."""
    return DiscoInfo.of(read_info(xml, jid))


def parse_disco_items(xml: str) -> list[str]:
    """The JIDs of a disco#items result (components of a server); ValueError when not one."""
    return list(dict.fromkeys(item.jid for item in read_items(xml).items))


@dataclass
class ServerFeatures:
    """The server's answer and its components' answers, in the order they came, and apart from
    them the account's own (its bare JID: PEP, MAM), which is not a component of the server."""

    entities: list[DiscoInfo] = field(default_factory=list)
    account: DiscoInfo | None = None

    def add(self, info: DiscoInfo) -> None:
        self.entities.append(info)

    def announces(self, jid: str, feature: str) -> bool:
        """Whether the entity `jid` (the server, a component or the account) announced `feature`."""
        return any(info.jid == jid and feature in info.features for info in self.groups())

    def groups(self) -> list[DiscoInfo]:
        """The server and its components, then the account."""
        return [*self.entities, *([self.account] if self.account is not None else [])]

    def rows(self) -> list[tuple[str, str, str]]:
        """(entity, feature, XEP name) for every announced feature, entity by entity, the account last."""
        return [(info.jid, feature, describe_namespace(feature)) for info in self.groups() for feature in info.features]
