"""Text from the network made safe to draw: control characters are shown, never obeyed.

A server can put C0 and C1 control characters in what it sends (C1 ones such as U+009B, the
one-byte CSI, are even well-formed XML). Drawn raw, they move the cursor, change colours or
the window title of the user's terminal. Every pane that draws server text passes it through
`terminal_safe` first; copies and exports keep the original.
"""

from __future__ import annotations

import re

# C0 (but tab and newline, which the panes show as such) as their Control Pictures (␛ for
# ESC), DEL as ␡, and C1, which has no pictures, as a Python-style escape (\x9b).
_VISIBLE = {
    **{code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\t\n"},
    0x7F: "\u2421",
    **{code: f"\\x{code:02x}" for code in range(0x80, 0xA0)},
}
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]+")


def terminal_safe(text: str) -> str:
    """`text` with every control character but tab and newline replaced by a visible form."""
    if _CONTROLS.search(text) is None:  # nearly all text: one scan, no copy
        return text
    # Only the runs of controls go through the (slow, per character) table.
    return _CONTROLS.sub(lambda run: run.group().translate(_VISIBLE), text)
