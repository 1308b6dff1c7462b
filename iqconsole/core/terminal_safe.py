"""Text from the network made safe to draw: control characters are shown, never obeyed.

A server can put C0 and C1 control characters in what it sends (C1 ones such as U+009B, the
one-byte CSI, are even well-formed XML). Drawn raw, they move the cursor, change colours or
the window title of the user's terminal. Bidirectional-text controls (Unicode's Bidi_Control:
U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069) are well-formed XML too, and reorder what
the terminal shows (a `from` or an id that reads as something else). Every pane that draws
server text passes it through `terminal_safe` first; copies and exports keep the original.
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
# C0 (but tab and newline, which the panes show as such) as their Control Pictures (␛ for
# ESC), DEL as ␡, and C1 and the bidi controls, which have no pictures, as Python-style
# escapes (\x9b, \u202e).
_VISIBLE = {
    **{code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\t\n"},
    0x7F: "\u2421",
    **{code: f"\\x{code:02x}" for code in range(0x80, 0xA0)},
    **{code: f"\\u{code:04x}" for code in _BIDI_CONTROLS},
}
_CONTROLS = re.compile("[" + "".join(map(chr, _VISIBLE)) + "]+")


def terminal_safe(text: str) -> str:
    """`text` with every control character but tab and newline replaced by a visible form."""
    if _CONTROLS.search(text) is None:  # nearly all text: one scan, no copy
        return text
    # Only the runs of controls go through the (slow, per character) table.
    return _CONTROLS.sub(lambda run: run.group().translate(_VISIBLE), text)
