"""Text from outside made safe to carry: lone surrogates and control characters replaced one for one."""

from __future__ import annotations

import re

# C0 controls except tab, newline and carriage return, DEL, and UTF-16 surrogates (never valid alone in a str
# that came from real text; JSON `\ud800` escapes and some decoders make them). Replaced one for one, so
# offsets into cleaned text are offsets into the original.
_ODD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` with lone surrogates as U+FFFD and stray control characters as spaces (same length)."""
    if not _ODD.search(text):
        return text
    return _ODD.sub(lambda m: "\ufffd" if m.group(0) >= "\ud800" else " ", text)
