"""The password never prints itself; connection failures read as sentences with a next step."""

from __future__ import annotations

import errno
import logging

from iqconsole.core.account import Account, Secret
from iqconsole.core.client import describe_connection_error

PASSWORD = "correct horse battery staple"


def test_secret_hides_its_value_everywhere_it_could_be_printed():
    secret = Secret(PASSWORD)
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret}", format(secret, "")):
        assert PASSWORD not in shown
        assert "correct" not in shown


def test_secret_still_gives_its_value_when_asked():
    assert Secret(PASSWORD).reveal() == PASSWORD
    assert Secret(PASSWORD)
    assert not Secret("")


def test_account_repr_hides_the_password():
    account = Account("romeo@example.org/orchard", Secret(PASSWORD), host="127.0.0.1", port=5222)
    for shown in (repr(account), str(account), f"{account}", str([account]), str({"a": account})):
        assert PASSWORD not in shown
        assert "romeo@example.org/orchard" in shown  # the rest is still useful


def test_secret_is_not_leaked_by_logging(caplog):
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("iqconsole.test").debug("logging in with %s / %r", Secret(PASSWORD), Secret(PASSWORD))
    assert PASSWORD not in caplog.text


def test_account_address_and_domain():
    assert Account("romeo@example.org/orchard").domain == "example.org"
    assert Account("romeo@example.org").address == "example.org (DNS SRV)"
    assert Account("romeo@example.org", host="xmpp.local").address == "xmpp.local:5222"
    assert Account("romeo@example.org", host="xmpp.local", port=5999).address == "xmpp.local:5999"


# -- describe_connection_error ------------------------------------------------------------


def test_connection_refused_names_the_address_and_suggests_the_port():
    account = Account("romeo@example.org", Secret(PASSWORD), host="127.0.0.1", port=5999)
    text = describe_connection_error(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), account)
    assert text.startswith("Connection refused by 127.0.0.1:5999")
    assert "port" in text
    assert PASSWORD not in text


def test_dns_failure_string_suggests_host_and_port():
    account = Account("romeo@example.org")
    text = describe_connection_error("No DNS record available for example.org", account)
    assert "No DNS record available for example.org" in text
    assert "--host" in text and "--port" in text


def test_dns_failure_with_a_host_names_that_host():
    account = Account("romeo@example.org", host="xmpp.exmaple.org")
    text = describe_connection_error("No DNS record available for example.org", account)
    assert "'xmpp.exmaple.org'" in text and "--host" not in text


def test_generic_os_error_names_the_address_and_the_reason():
    account = Account("romeo@example.org", host="10.0.0.1", port=5222)
    text = describe_connection_error(OSError(errno.ENETUNREACH, "Network is unreachable"), account)
    assert text == "Cannot reach 10.0.0.1:5222: Network is unreachable."


def test_os_error_without_strerror_still_says_something():
    account = Account("romeo@example.org")
    text = describe_connection_error(OSError("socket closed early"), account)
    assert "example.org (DNS SRV)" in text
    assert "socket closed early" in text


def test_unknown_payload_falls_back_to_its_text():
    account = Account("romeo@example.org", host="xmpp.local")
    assert describe_connection_error("stream went away", account) == (
        "Cannot connect to xmpp.local:5222: stream went away"
    )


def test_certificate_failure_suggests_ca_file_or_insecure():
    account = Account("romeo@example.org")
    text = describe_connection_error(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate", account
    )
    assert "example.org" in text
    assert "--ca-file" in text and "--insecure" in text
