"""The services a template is sent to (`${muc}`, `${pubsub}`, `${upload}`, `${push}`), found by the
identity the server or one of its components (its disco#items) announces."""

from __future__ import annotations

from iqconsole.core.server_features import ServerFeatures

__all__ = ["SERVICES", "discovered_services"]

# variable -> the disco identity ('category/type') of the entity that offers that service
SERVICES: dict[str, str] = {
    "muc": "conference/text",  # XEP-0045
    "pubsub": "pubsub/service",  # XEP-0060
    "upload": "store/file",  # XEP-0363
    "push": "pubsub/push",  # XEP-0357 app server
}


def discovered_services(features: ServerFeatures | None) -> dict[str, str]:
    """variable -> the first entity (the server, then its components) with that identity; a
    service not found is left out (the template variables fall back to the account's domain)."""
    found: dict[str, str] = {}
    for info in features.entities if features is not None else []:
        kinds = {identity.split(" ", 1)[0] for identity in info.identities}
        for name, identity in SERVICES.items():
            if identity in kinds:
                found.setdefault(name, info.jid)
    return found
