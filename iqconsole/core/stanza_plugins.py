"""Make common IQ payloads visible to StanzaPath without loading slixmpp plugins.

Loading a slixmpp plugin would also register its handlers, which answer IQs behind the user's
back (and would double-answer next to a responder). Registering only the stanza classes lets
`iq@type=get/ping` or `iq/disco_info@node=x` match, and nothing else changes.
"""

from __future__ import annotations

from functools import cache

from slixmpp import Iq
from slixmpp.xmlstream import register_stanza_plugin


@cache
def register_iq_payloads() -> tuple[str, ...]:
    """Register the payload classes once per process; return their StanzaPath names.

    Bind and session are registered too (a ClientXMPP registers them anyway), so the names
    do not depend on whether a client was created before.
    """
    from slixmpp.features.feature_bind.stanza import Bind
    from slixmpp.features.feature_session.stanza import Session
    from slixmpp.plugins.xep_0012.stanza import LastActivity
    from slixmpp.plugins.xep_0030.stanza import DiscoInfo, DiscoItems
    from slixmpp.plugins.xep_0049.stanza import PrivateXML
    from slixmpp.plugins.xep_0050.stanza import Command
    from slixmpp.plugins.xep_0054.stanza import VCardTemp
    from slixmpp.plugins.xep_0060.stanza import Pubsub, PubsubOwner
    from slixmpp.plugins.xep_0077.stanza import Register
    from slixmpp.plugins.xep_0092.stanza import Version
    from slixmpp.plugins.xep_0191.stanza import Block, BlockList, Unblock
    from slixmpp.plugins.xep_0199.stanza import Ping
    from slixmpp.plugins.xep_0202.stanza import EntityTime
    from slixmpp.plugins.xep_0280.stanza import CarbonDisable, CarbonEnable
    from slixmpp.plugins.xep_0292.stanza import VCard4
    from slixmpp.plugins.xep_0313.stanza import MAM

    payloads = (
        LastActivity,
        DiscoInfo,
        DiscoItems,
        PrivateXML,
        Command,
        VCardTemp,
        Pubsub,
        PubsubOwner,
        Register,
        Version,
        Block,
        BlockList,
        Unblock,
        Ping,
        EntityTime,
        CarbonEnable,
        CarbonDisable,
        VCard4,
        MAM,
        Bind,
        Session,
    )
    for payload in payloads:
        register_stanza_plugin(Iq, payload)
    return tuple(sorted(Iq.plugin_attrib_map))
