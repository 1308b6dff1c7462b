"""Walking service discovery on demand, for the discovery browser: each entity's (or node's)
disco#info and disco#items, asked through the Session (so they are ordinary, paired traffic in
the log), kept for the session until refreshed.

A long item list is asked one page at a time (XEP-0059) when the entity announces result set
management; otherwise the whole list comes at once and the front end shows it in chunks.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Protocol, TypeVar

from iqconsole.core.disco import (
    DISCO_INFO,
    DISCO_ITEMS,
    RSM,
    EntityInfo,
    ItemsPage,
    ItemsReader,
    disco_request,
    read_info,
)
from iqconsole.core.session import ReplyOutcome
from iqconsole.core.stanza import Outgoing, StanzaError, error_condition, prepare

__all__ = ["PAGE_SIZE", "Discovery", "DiscoveryFailed", "Requester"]

Key = TypeVar("Key", tuple[str, str], tuple[str, str, str])
Answer = TypeVar("Answer", EntityInfo, ItemsPage)

PAGE_SIZE = 50  # items asked for at once from an entity that pages (and shown at once otherwise)
READ_PIECE = 16_384  # characters of a disco#items reply read at once (about 250 items)


class DiscoveryFailed(Exception):
    """No usable answer: the error the entity sent, no reply in time, or not connected."""


class Requester(Protocol):
    """What Discovery needs of a Session: send a get and wait for how it ends."""

    async def request(self, outgoing: Outgoing, timeout: float | None = None) -> ReplyOutcome: ...


class Discovery:
    """The answers of one session, by (jid, node); a request already on its way is shared."""

    def __init__(self, session: Requester, page_size: int = PAGE_SIZE):
        self.session = session
        self.page_size = page_size
        self._infos: dict[tuple[str, str], asyncio.Future[EntityInfo]] = {}
        self._pages: dict[tuple[str, str, str], asyncio.Future[ItemsPage]] = {}

    async def info(self, jid: str, node: str = "") -> EntityInfo:
        """disco#info of `jid` (its `node`); DiscoveryFailed says why there is none."""
        key = (jid, node)
        if key not in self._infos:
            self._infos[key] = asyncio.ensure_future(self._ask_info(jid, node))
        return await self._kept(self._infos, key)

    async def items(self, jid: str, node: str = "", after: str = "") -> ItemsPage:
        """One page of `jid`'s items (all of them when it does not page), after the item `after`;
        ask `info` first to learn whether it pages."""
        key = (jid, node, after)
        if key not in self._pages:
            self._pages[key] = asyncio.ensure_future(self._ask_items(jid, node, after))
        return await self._kept(self._pages, key)

    def known(self, jid: str, node: str = "") -> EntityInfo | None:
        """The info already answered, without asking."""
        found = self._infos.get((jid, node))
        if found is None or not found.done() or found.cancelled() or found.exception() is not None:
            return None
        return found.result()

    def forget(self, jid: str, node: str = "") -> None:
        """Drop what `jid` (its `node`) answered, so the next look asks again."""
        self._infos.pop((jid, node), None)
        for key in [key for key in self._pages if key[:2] == (jid, node)]:
            del self._pages[key]

    async def _kept(self, cache: dict[Key, asyncio.Future[Answer]], key: Key) -> Answer:
        future = cache[key]
        try:
            return await asyncio.shield(future)
        except DiscoveryFailed:
            if cache.get(key) is future:
                del cache[key]  # a failure is not kept: the next look asks again
            raise

    async def _ask_info(self, jid: str, node: str) -> EntityInfo:
        reply = await self._ask(disco_request(DISCO_INFO, jid, node), "disco#info")
        try:
            return read_info(reply, jid, node)
        except ValueError as error:
            raise DiscoveryFailed(f"disco#info: {error}") from None

    async def _ask_items(self, jid: str, node: str, after: str) -> ItemsPage:
        asked = self._infos.get((jid, node))  # pages if its info (asked first) announced XEP-0059
        try:
            pages = asked is not None and RSM in (await asyncio.shield(asked)).features
        except DiscoveryFailed:
            pages = False  # some entities answer disco#items but not disco#info
        max_items = self.page_size if pages else 0
        reply = await self._ask(disco_request(DISCO_ITEMS, jid, node, max_items=max_items, after=after), "disco#items")
        reader = ItemsReader()
        try:
            for start in range(0, len(reply), READ_PIECE):
                reader.feed(reply[start : start + READ_PIECE])
                await asyncio.sleep(0)  # a long list: the screen draws and takes keys between pieces
            page = reader.page()
        except ValueError as error:
            raise DiscoveryFailed(f"disco#items: {error}") from None
        return replace(page, last="") if max_items and page.ends(max_items) else page

    async def _ask(self, text: str, what: str) -> str:
        try:
            (outgoing,) = prepare(text)
            outcome = await self.session.request(outgoing)
        except StanzaError as error:
            raise DiscoveryFailed(f"{what}: {error}") from None
        if outcome.reply is None:
            raise DiscoveryFailed(f"{what}: {outcome.reason}")
        if outcome.reply.type == "error":
            raise DiscoveryFailed(f"{what}: {error_condition(outcome.reply.xml)}")
        return outcome.reply.xml
