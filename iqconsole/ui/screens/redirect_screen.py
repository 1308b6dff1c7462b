"""A server's see-other-host, put to the user: connecting elsewhere sends the password there."""

from __future__ import annotations

from iqconsole.core.account import Account
from iqconsole.core.stream_errors import Redirect
from iqconsole.ui.screens.confirm_screen import ConfirmScreen


class RedirectScreen(ConfirmScreen):
    """Answers True when the user agrees to connect to the address the server named."""

    def __init__(self, account: Account, redirect: Redirect):
        super().__init__(
            f"The server at {account.address} asks you to connect to {redirect} instead (see-other-host).\n"
            f"Connecting there sends your password for {account.jid} to {redirect}.\n"
            f"Connect to {redirect}?"
        )
