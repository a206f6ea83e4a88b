"""Spam checks that need the author's recent activity, plus the post digest."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping

from .types import Category, Finding, PostContext

_LINK = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|io|co|ly|gg|me|xyz|info|biz|app|link|site|shop)(?:/\S*)?\b"
)
_DIGEST_DROP = re.compile(r"[\W_]+")

DEFAULTS: Mapping[str, int] = {
    "repeat_hold": 2,
    "flood_hold": 12,
    "flood_block": 30,
    "links_per_post": 3,
    "links_per_minute": 6,
    "char_run": 30,
    "max_chars": 5000,
}


def digest(text: str) -> str:
    """Stable digest that ignores case, accents, punctuation and spacing."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    key = _DIGEST_DROP.sub(" ", folded).strip()
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def count_links(text: str) -> int:
    """Number of URLs or bare domains in text."""
    return len(_LINK.findall(text))


class SpamChecker:
    """Flood, repeat and link checks with thresholds from spam.toml."""

    def __init__(self, thresholds: Mapping[str, int]) -> None:
        self.t = {**DEFAULTS, **thresholds}
        self._run = re.compile(r"(.)\1{" + str(max(2, self.t["char_run"] - 1)) + ",}", re.S)

    def check(self, text: str, ctx: PostContext) -> list[Finding]:
        """Findings for this post given the author's recent activity."""
        t = self.t
        n = len(text)
        out: list[Finding] = []

        def add(sev: int, rule: str, why: str, a: int = 0, b: int = n) -> None:
            out.append(Finding(Category.SPAM, sev, rule, a, b, why))

        posts = ctx.posts_last_minute + 1
        if posts >= t["flood_block"]:
            add(3, "spam.flood", f"{posts} posts in one minute")
        elif posts >= t["flood_hold"]:
            add(2, "spam.flood", f"{posts} posts in one minute")
        if ctx.recent_digests:
            repeats = ctx.recent_digests.count(digest(text))
            if repeats >= t["repeat_hold"]:
                add(2, "spam.repeat", f"same message posted {repeats + 1} times")
        if "." in text:
            links = count_links(text)
            if links >= t["links_per_post"]:
                add(2, "spam.links", f"{links} links in one post")
            elif links and links + ctx.links_last_minute >= t["links_per_minute"]:
                add(2, "spam.links", f"{links + ctx.links_last_minute} links in one minute")
        if n >= t["char_run"]:
            m = self._run.search(text)
            if m is not None and not m.group(1).isspace():
                add(1, "spam.char_run", "one character repeated many times", m.start(), m.end())
        if n > t["max_chars"]:
            add(2, "spam.too_long", f"{n} characters")
        return out
