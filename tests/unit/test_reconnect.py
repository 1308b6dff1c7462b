"""The reconnect policy on its own: backoff, countdown, stop. A fake clock: nothing really waits."""

from __future__ import annotations

import asyncio

import pytest

from iqconsole.core.reconnect import DEFAULT_DELAYS, Backoff, Reconnector, Retry, RetryPhase


class FakeClock:
    """Records each sleep and returns at once (after letting other tasks run)."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)


def attempts(*outcomes: str | None):
    """An attempt function answering `outcomes` in turn (None: online)."""
    made: list[int] = []
    remaining = list(outcomes)

    async def attempt() -> str | None:
        made.append(len(made) + 1)
        return remaining.pop(0)

    return attempt, made


def test_the_backoff_grows_then_repeats_its_last_delay():
    backoff = Backoff()
    assert [backoff.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 15, 30, 30, 30]
    assert DEFAULT_DELAYS[-1] == 30


@pytest.mark.parametrize("delays", [(), (-1.0,), (float("inf"),)])
def test_a_backoff_without_sane_delays_is_refused(delays):
    with pytest.raises(ValueError, match="delays"):
        Backoff(delays)


async def test_it_counts_down_each_second_and_stops_at_the_first_success():
    clock = FakeClock()
    attempt, made = attempts("Connection refused", "Connection refused", None)
    seen: list[Retry] = []
    reconnector = Reconnector(attempt, seen.append, Backoff((2.0, 3.0)), clock.sleep)
    assert await reconnector.start() is True
    assert made == [1, 2, 3]
    assert clock.slept == [1, 1, 1, 1, 1, 1, 1, 1], "2 s, then 3 s, then 3 s again: one tick a second"
    waiting = [(s.attempt, s.seconds_left) for s in seen if s.phase is RetryPhase.WAITING]
    assert waiting == [(1, 2), (1, 1), (2, 3), (2, 2), (2, 1), (3, 3), (3, 2), (3, 1)]
    assert seen[-1].phase is RetryPhase.DONE and not reconnector.running
    second = [s for s in seen if s.attempt == 2]
    assert second[0].describe() == "reconnecting in 3 s (attempt 2; last: Connection refused)"


async def test_a_fraction_of_a_second_is_waited_first_so_the_countdown_shows_whole_seconds():
    clock = FakeClock()
    attempt, _made = attempts(None)
    seen: list[Retry] = []
    await Reconnector(attempt, seen.append, Backoff((1.5,)), clock.sleep).start()
    assert clock.slept == [0.5, 1.0]
    assert [s.seconds_left for s in seen if s.phase is RetryPhase.WAITING] == [2, 1]


async def test_a_delay_under_a_second_is_one_tick():
    clock = FakeClock()
    attempt, made = attempts("refused", None)
    seen: list[Retry] = []
    await Reconnector(attempt, seen.append, Backoff((0.2, 0.7)), clock.sleep).start()
    assert made == [1, 2] and clock.slept == pytest.approx([0.2, 0.7])
    assert [s.seconds_left for s in seen if s.phase is RetryPhase.WAITING] == [1, 1]


async def test_no_delay_attempts_at_once():
    clock = FakeClock()
    attempt, made = attempts(None)
    await Reconnector(attempt, lambda _s: None, Backoff((0.0,)), clock.sleep).start()
    assert made == [1] and clock.slept == []


async def test_stop_ends_the_countdown_and_says_so():
    ticks = asyncio.Event()
    seen: list[Retry] = []

    def status(retry: Retry) -> None:
        seen.append(retry)
        ticks.set()

    never = asyncio.Event()

    async def slow_sleep(_seconds: float) -> None:
        await never.wait()

    attempt, made = attempts(None)
    reconnector = Reconnector(attempt, status, Backoff((5.0,)), slow_sleep)
    task = reconnector.start()
    await ticks.wait()
    assert reconnector.running and seen[-1].describe() == "reconnecting in 5 s (attempt 1)"
    assert reconnector.stop() is True
    assert await task is False
    assert made == [] and seen[-1].phase is RetryPhase.STOPPED and not reconnector.running
    assert reconnector.stop() is False, "stopping twice is harmless"


async def test_hurry_cuts_the_countdown_short():
    clock = FakeClock()
    attempt, made = attempts(None)

    def status(retry: Retry) -> None:
        if retry.seconds_left == 28:
            reconnector.hurry()

    reconnector = Reconnector(attempt, status, Backoff((30.0,)), clock.sleep)
    assert await reconnector.start() is True
    assert made == [1] and len(clock.slept) == 3, "30, 29, 28, then the attempt"


async def test_starting_while_running_keeps_the_one_run():
    clock = FakeClock()
    attempt, made = attempts(None)
    reconnector = Reconnector(attempt, lambda _s: None, Backoff((1.0,)), clock.sleep)
    first = reconnector.start()
    assert reconnector.start() is first
    await first
    assert made == [1]
