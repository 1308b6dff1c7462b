"""Every feature the sandbox Prosody announces (the server, its components, the account, and the
stream features) has an entry in the knowledge files: asked live, by disco#info."""

from __future__ import annotations

from iqconsole.core.knowledge import knowledge
from iqconsole.core.server_features import DISCO_INFO, parse_disco_info
from iqconsole.core.session import Session
from iqconsole.core.stanza import prepare
from iqconsole.core.traffic import TrafficStore
from tests.xmpp_helpers import account_for, eventually


async def test_every_feature_prosody_announces_has_an_entry(prosody):
    session = Session(account_for(prosody, "alice", "knowledge"), TrafficStore(), discover=True)
    found: list[object] = []
    session.features_found.subscribe(found.append)
    try:
        await session.open()
        await eventually(lambda: bool(found), what="the server's features")
        announced = {feature: info.jid for info in session.features.entities for feature in info.features}
        bare = session.own_jid.split("/", 1)[0]
        (ask,) = prepare(f"<iq type='get' to='{bare}'><query xmlns='{DISCO_INFO}'/></iq>")
        reply = (await session.request(ask)).reply
        account = parse_disco_info(reply.xml, bare)
        announced |= dict.fromkeys(account.features, bare)
        announced |= dict.fromkeys(session.stream_features or (), "stream features")
    finally:
        await session.close()
    assert "urn:xmpp:mam:2" in announced and "urn:xmpp:sm:3" in announced, "the account's and the stream's"
    missing = {feature: entity for feature, entity in announced.items() if not knowledge().has_entry(feature)}
    assert not missing, f"add these to iqconsole/knowledge/ (namespaces.toml or features.toml): {missing}"
