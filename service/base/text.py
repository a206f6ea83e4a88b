"""What a piece of user text may contain: every script and emoji, but no control characters, no
bidirectional overrides and no stray tag characters, so a post cannot hide text, ring a terminal,
or turn its neighbours' text (or a handle) around."""

from __future__ import annotations

import re

# C0 and C1 controls except tab and newline; DEL.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI). The plain marks
# LRM/RLM/ALM stay: right-to-left writers need them, and they cannot reorder other text.
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Interlinear annotations, object replacement, and the BOM / zero-width no-break space.
_INVISIBLE = "\ufff9-\ufffb\ufffc\ufeff"
_DROP = re.compile(f"[{_CONTROLS}{_BIDI}{_INVISIBLE}]")
# Tag characters are only legitimate inside an emoji subdivision flag: 🏴 + tags + cancel tag.
_TAG_RUN = re.compile("[\U000e0020-\U000e007f]+")
_FLAG_BASE = "\U0001f3f4"
_CANCEL_TAG = "\U000e007f"


def _tags(match: re.Match[str]) -> str:
    run = match.group(0)
    start = match.start()
    is_flag = start > 0 and match.string[start - 1] == _FLAG_BASE and run.endswith(_CANCEL_TAG)
    return run if is_flag else ""


def clean_text(text: str) -> str:
    """``text`` without controls (tab and newline kept), bidi overrides, or tags outside flags."""
    if text.isascii() and text.isprintable():
        return text  # the common case costs one scan in C
    return _TAG_RUN.sub(_tags, _DROP.sub("", text))
