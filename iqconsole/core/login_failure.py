"""Why logging in failed, said as what really happened and what to do.

slixmpp ends every failed login with the same event (`failed_all_auth`), whether the server said
the password was wrong, refused for another reason (a disabled account, encryption required), or
the console never sent credentials at all: no STARTTLS, so no password over an unencrypted
connection, or no SASL mechanism it can use. Telling those apart needs what the server offered and
said; this module turns that into a sentence.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection
from dataclasses import dataclass

from iqconsole.core.stream_errors import shorten

SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"

# RFC 6120 §6.5: what each SASL failure condition means for the user, and what to do.
SASL_REASONS = {
    "not-authorized": ("wrong JID or password", "correct them and try again"),
    "account-disabled": ("the account is disabled", "ask the server's administrator"),
    "credentials-expired": ("the password has expired", "change it with another client, or ask the administrator"),
    "encryption-required": (
        "this login method needs an encrypted connection",
        "connect with STARTTLS, or with --direct-tls to the server's TLS port",
    ),
    "mechanism-too-weak": ("the server wants a stronger login method", "enable SCRAM on the server"),
    "temporary-auth-failure": ("a temporary problem on the server", "try again later"),
}
REFUSED = ("the server refused the login", "its log may say why")


@dataclass(frozen=True)
class SaslRefusal:
    """The server's <failure/>: its condition (whatever it is) and text."""

    condition: str
    text: str = ""


def read_sasl_failure(element: ET.Element) -> SaslRefusal:
    condition = text = ""
    for child in element:
        local = child.tag.rpartition("}")[2]
        if local == "text":
            text = shorten(child.text or "")
        elif not condition:
            condition = shorten(local, 80)
    return SaslRefusal(condition, text)


def describe_login_failure(
    jid: str, address: str, *, encrypted: bool, offered: Collection[str] | None, refusal: SaslRefusal | None
) -> str:
    """`offered`: the SASL mechanisms the server listed (None: it listed no <mechanisms> at all);
    `refusal`: the server's last <failure/>, if it sent one."""
    if refusal is not None:
        said = refusal.condition or "no condition"
        if refusal.text:
            said += f": {refusal.text}"
        what, todo = SASL_REASONS.get(refusal.condition, REFUSED)
        return f"Authentication failed for {jid}: {what} (the server said {said}); {todo}."
    if offered is None:
        return (
            f"The server at {address} offers no way to log in (its stream features list no SASL mechanisms). "
            "Is this the server's client port (usually 5222)?"
        )
    if not encrypted:
        return (
            f"The server at {address} offers no STARTTLS, so the connection is not encrypted, and iqconsole "
            "does not send a password over it. Enable STARTTLS on the server, or connect to its TLS port "
            "with --direct-tls."
        )
    listed = ", ".join(sorted(offered)) if offered else "none"
    return (
        f"The server at {address} offers no login method iqconsole can use (it offers: {shorten(listed, 200)}). "
        "Enable a password method such as SCRAM-SHA-1 or PLAIN on the server."
    )
