"""A small parser for Python regex syntax: the structure the rule loader reasons about.

The loader needs two static facts about a rule pattern: which characters a match can start with
(dispatch.start_keys) and whether a group is repeated without a bound (rules.unbounded_group_repeat).
The standard library's parser, `re._parser` (alias `sre_parse`), is private and changes between
releases, so we parse the syntax here. Only structure is modelled, never matching.

The tree mirrors the shape `re` itself builds, so both analyses give the answers they gave on
`re._parser`: a plain `(?:...)` is spliced into the enclosing sequence (and a repeat of one repeats
its contents), `[x]` is the literal x, and an alternation of single characters (`a|[bc]|\\d`) is one
character class. Patterns are parsed only after `re.compile` accepted them, so error messages are
terse; malformed input raises `re.error`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal as Lit
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Literal:
    """One character."""

    char: str


@dataclass(frozen=True, slots=True)
class Range:
    """A range `a-z` inside a character class (inclusive code points)."""

    lo: int
    hi: int


@dataclass(frozen=True, slots=True)
class Category:
    """A class escape `\\d \\D \\s \\S \\w \\W`, named by its letter."""

    name: str


ClassItem: TypeAlias = Literal | Range | Category
RepeatMode: TypeAlias = Lit["greedy", "lazy", "possessive"]


@dataclass(frozen=True, slots=True)
class CharClass:
    """One character from a set: `[...]`, `[^...]`, `\\d`, or a merged alternation of characters."""

    items: tuple[ClassItem, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class AnyChar:
    """`.`"""


@dataclass(frozen=True, slots=True)
class Anchor:
    """A zero-width position test, named as written: `b` `B` `A` `Z` `^` `$`."""

    kind: str


@dataclass(frozen=True, slots=True)
class Group:
    """A capturing group, or one with scoped flags (`(?i:...)`, flags "i"); never a plain `(?:...)`."""

    body: Seq
    capturing: bool
    flags: str = ""

    @property
    def plain(self) -> bool:
        """A bare `(?:...)`: only while parsing, before it is spliced into its sequence."""
        return not self.capturing and not self.flags


@dataclass(frozen=True, slots=True)
class Branch:
    """Alternatives `a|b`, in order."""

    alts: tuple[Seq, ...]


@dataclass(frozen=True, slots=True)
class Repeat:
    """`body{lo,hi}`; hi is None when unbounded (`*`, `+`, `{2,}`)."""

    lo: int
    hi: int | None
    body: Seq
    mode: RepeatMode = "greedy"


@dataclass(frozen=True, slots=True)
class Lookaround:
    """`(?=...)`, `(?!...)`, `(?<=...)` or `(?<!...)`."""

    body: Seq
    negative: bool
    behind: bool


@dataclass(frozen=True, slots=True)
class Atomic:
    """`(?>...)`."""

    body: Seq


@dataclass(frozen=True, slots=True)
class Backref:
    """`\\1` or `(?P=name)`."""

    group: str


@dataclass(frozen=True, slots=True)
class Conditional:
    """`(?(group)yes|no)`."""

    group: str
    yes: Seq
    no: Seq


Node: TypeAlias = (
    Literal | CharClass | AnyChar | Anchor | Group | Branch | Repeat | Lookaround | Atomic | Backref | Conditional
)
Seq: TypeAlias = tuple[Node, ...]

_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_ANCHOR_ESCAPES = frozenset("AbBZ")
_CATEGORY_ESCAPES = frozenset("dDsSwW")
_HEX = frozenset("0123456789abcdefABCDEF")
_OCT = frozenset("01234567")
_DIGITS = frozenset("0123456789")
_FLAGS = frozenset("aiLmsuxt")
_VERBOSE_SPACE = frozenset(" \t\n\r\v\f")
_LEAVES = (Literal, CharClass, AnyChar, Anchor, Backref)
_SPECIAL = frozenset(".\\[{()*+?^$|")
_ASCII_LITERALS = {chr(c): Literal(chr(c)) for c in range(128)}  # shared: nodes are immutable


def parse(pattern: str) -> Seq:
    """The tree of a str pattern; raises re.error if it is malformed."""
    parser = _Parser(pattern)
    seq = parser.alternation()
    if parser.peek() is not None:
        raise parser.error("unbalanced parenthesis")
    return seq


class _Parser:
    """Recursive descent over tokens; a token is one character or a backslash and the next."""

    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.pos = 0
        self.verbose = False

    def error(self, msg: str) -> re.error:
        return re.error(msg, self.src, self.pos)

    def peek(self) -> str | None:
        if self.pos >= len(self.src):
            return None
        if self.src[self.pos] == "\\":
            if self.pos + 1 >= len(self.src):
                raise self.error("bad escape (end of pattern)")
            return self.src[self.pos : self.pos + 2]
        return self.src[self.pos]

    def get(self) -> str | None:
        tok = self.peek()
        if tok is not None:
            self.pos += len(tok)
        return tok

    def match(self, tok: str) -> bool:
        if self.peek() == tok:
            self.pos += len(tok)
            return True
        return False

    def need(self, tok: str) -> None:
        if not self.match(tok):
            raise self.error(f"missing {tok}")

    def until(self, end: str) -> str:
        out = ""
        while (tok := self.get()) != end:
            if tok is None:
                raise self.error(f"missing {end}")
            out += tok
        return out

    def take(self, n: int, chars: frozenset[str]) -> str:
        out = ""
        while len(out) < n and (tok := self.peek()) is not None and tok in chars:
            out += tok
            self.pos += 1
        return out

    def alternation(self) -> Seq:
        alts = [self.sequence()]
        while self.match("|"):
            alts.append(self.sequence())
        if len(alts) == 1:
            return alts[0]
        # As `re` does: a first item every alternative shares moves in front (`ab|ac` is `a(?:b|c)`),
        # comparing only single-position items, as `re` compares its sub-trees by identity.
        prefix: list[Node] = []
        while all(alts) and isinstance(alts[0][0], _LEAVES) and all(a[0] == alts[0][0] for a in alts):
            prefix.append(alts[0][0])
            alts = [a[1:] for a in alts]
        return (*prefix, *self.merged(alts))

    def merged(self, alts: list[Seq]) -> Seq:
        """The alternatives as a Branch, or one CharClass if each is a single character (as `re` does)."""
        items: list[ClassItem] = []
        for alt in alts:
            node = alt[0] if len(alt) == 1 else None
            if isinstance(node, Literal):
                items.append(node)
            elif isinstance(node, CharClass) and not node.negated:
                items.extend(node.items)
            else:
                return (Branch(tuple(alts)),)
        return (CharClass(tuple(dict.fromkeys(items))),)

    def sequence(self) -> Seq:
        out: list[Node] = []
        src = self.src
        spliced = False
        while self.pos < len(src):
            tok = src[self.pos]
            if tok not in _SPECIAL and not self.verbose:  # the usual case: an ordinary character
                self.pos += 1
                out.append(_ASCII_LITERALS.get(tok) or Literal(tok))
                continue
            tok = self.peek() or ""
            if tok in "|)":
                break
            self.pos += len(tok)
            if self.verbose and tok in _VERBOSE_SPACE:
                continue
            if self.verbose and tok == "#":
                while (c := self.get()) is not None and c != "\n":
                    pass
                continue
            if tok[0] == "\\":
                out.append(self.escape(tok[1]))
            elif tok == "[":
                out.append(self.char_class())
            elif tok in "*+?{":
                self.quantifier(tok, out)
            elif tok == ".":
                out.append(AnyChar())
            elif tok in "^$":
                out.append(Anchor(tok))
            elif tok == "(":
                if (node := self.group()) is not None:
                    out.append(node)
                    spliced = spliced or (isinstance(node, Group) and node.plain)
            else:
                out.append(Literal(tok))
        if not spliced:
            return tuple(out)
        # A plain (?:...) is only grouping: splice its contents in, as `re` does.
        seq: list[Node] = []
        for node in out:
            if isinstance(node, Group) and node.plain:
                seq.extend(node.body)
            else:
                seq.append(node)
        return tuple(seq)

    def quantifier(self, tok: str, out: list[Node]) -> None:
        """Apply *, +, ?, {m,n} to the last item; a `{` that starts no valid bound is a literal."""
        lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}.get(tok, (0, None))
        if tok == "{":
            here = self.pos
            lo_s = self.take(len(self.src), _DIGITS)
            hi_s = self.take(len(self.src), _DIGITS) if self.match(",") else lo_s
            if self.src.startswith("}", here) or not self.match("}"):
                self.pos = here
                out.append(Literal("{"))
                return
            lo = int(lo_s) if lo_s else 0
            hi = int(hi_s) if hi_s else None
        if not out or isinstance(out[-1], (Anchor, Repeat)):
            raise self.error("nothing to repeat")
        last = out[-1]
        # Repeating a plain (?:...) repeats its contents.
        body: Seq = last.body if isinstance(last, Group) and last.plain else (last,)
        mode: RepeatMode = "lazy" if self.match("?") else "possessive" if self.match("+") else "greedy"
        out[-1] = Repeat(lo, hi, body, mode)

    def group(self) -> Node | None:
        """The node after `(`; None for a comment or global flags, which leave nothing behind."""
        capturing = True
        flags = ""
        if self.match("?"):
            c = self.get()
            if c == "P":
                if self.match("="):
                    return Backref(self.until(")"))
                self.need("<")
                self.until(">")
            elif c == ":":
                capturing = False
            elif c == "#":
                self.until(")")
                return None
            elif c in ("=", "!", "<"):
                behind = c == "<"
                if behind and (c := self.get()) not in ("=", "!"):
                    raise self.error("unknown extension ?<")
                body = self.alternation()
                self.need(")")
                return Lookaround(body, negative=c == "!", behind=behind)
            elif c == "(":
                name = self.until(")")
                yes = self.sequence()
                no = self.sequence() if self.match("|") else ()
                self.need(")")
                return Conditional(name, yes, no)
            elif c == ">":
                body = self.alternation()
                self.need(")")
                return Atomic(body)
            elif c is not None and (c in _FLAGS or c == "-"):
                on = off = ""
                while c is not None and c in _FLAGS:
                    on += c
                    c = self.get()
                if c == "-":
                    while (c := self.get()) is not None and c in _FLAGS:
                        off += c
                if c == ")":  # global flags, only at the start of a pattern
                    self.verbose = self.verbose or "x" in on
                    return None
                if c != ":":
                    raise self.error("missing -, : or )")
                capturing = False
                flags = f"{on}-{off}" if off else on
            else:
                raise self.error(f"unknown extension ?{c}")
        outer = self.verbose
        if "x" in flags:
            self.verbose = "x" in flags.partition("-")[0]
        body = self.alternation()
        self.verbose = outer
        self.need(")")
        return Group(body, capturing, flags)

    def escape(self, c: str) -> Node:
        """An escape outside a class (the backslash and c already read)."""
        if c in _ANCHOR_ESCAPES:
            return Anchor(c)
        if c in _CATEGORY_ESCAPES:
            return CharClass((Category(c),))
        if c in "123456789":
            # An octal escape (three octal digits) or a group reference of one or two digits.
            digits = c + self.take(1, _DIGITS)
            if len(digits) == 2 and c in _OCT and digits[1] in _OCT and (nxt := self.take(1, _OCT)):
                return Literal(chr(int(digits + nxt, 8)))
            return Backref(digits)
        return Literal(self.char_escape(c))

    def char_escape(self, c: str) -> str:
        """The character of a character escape (also used inside classes)."""
        if c in _ESCAPES:
            return _ESCAPES[c]
        width = {"x": 2, "u": 4, "U": 8}.get(c)
        if width is not None:
            digits = self.take(width, _HEX)
            if len(digits) != width:
                raise self.error(f"incomplete escape \\{c}{digits}")
            return chr(int(digits, 16))
        if c == "N":
            self.need("{")
            try:
                return unicodedata.lookup(self.until("}"))
            except KeyError:
                raise self.error("undefined character name") from None
        if c in _OCT:
            return chr(int(c + self.take(2, _OCT), 8))
        if c.isascii() and (c.isalpha() or c.isdigit()):
            raise self.error(f"bad escape \\{c}")
        return c

    def char_class(self) -> Node:
        """The class after `[`: a Literal for `[x]`, else a CharClass."""
        negated = self.match("^")
        items: list[ClassItem] = []
        while True:
            tok = self.get()
            if tok is None:
                raise self.error("unterminated character set")
            if tok == "]" and items:
                break
            first = self.class_atom(tok)
            if self.match("-"):
                tok2 = self.get()
                if tok2 is None:
                    raise self.error("unterminated character set")
                if tok2 == "]":
                    items += [first, Literal("-")]
                    break
                second = self.class_atom(tok2)
                if not isinstance(first, Literal) or not isinstance(second, Literal):
                    raise self.error("bad character range")
                items.append(Range(ord(first.char), ord(second.char)))
            else:
                items.append(first)
        unique = tuple(dict.fromkeys(items))
        if len(unique) == 1 and isinstance(unique[0], Literal) and not negated:
            return unique[0]
        return CharClass(unique, negated)

    def class_atom(self, tok: str) -> Literal | Category:
        if tok[0] != "\\":
            return Literal(tok)
        c = tok[1]
        if c == "b":
            return Literal("\b")  # backspace inside a class
        if c in _CATEGORY_ESCAPES:
            return Category(c)
        return Literal(self.char_escape(c))
