"""The screen a browser tab of `iqconsole serve` shows when the class has no seat left for it."""

from __future__ import annotations

from iqconsole.ui.classroom.no_seat_app import NoSeatApp


def test_a_tab_without_a_seat_says_why(snap_compare):
    reason = "every seat is taken (8 of 8): close another tab, or ask the teacher to start the class with more --seats"
    assert snap_compare(NoSeatApp(reason), terminal_size=(100, 12))
