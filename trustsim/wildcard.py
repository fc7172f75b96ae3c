r"""IAM wildcard patterns: ``*`` and ``?``, compiled once into the cheapest matcher.

Grammar (docs/semantics.md §5.4)::

    pattern := (literal-char | "*" | "?")*
    "*"     := any run of characters, empty included, crossing "/" and ":" and everything else
    "?"     := exactly one character

Nothing else is special: ``[``, ``]``, ``\``, ``.``, ``+``, ``(`` and ``{`` are literal, and a
pattern matches the *whole* subject. Each pattern is compiled once into one of these strategies:

==============  ===========================  ====================================
strategy        pattern shape                test
==============  ===========================  ====================================
``any``         ``*``                        always true
``equality``    no ``*`` and no ``?``        ``subject == pattern``
``prefix``      ``abc*``                     ``subject.startswith("abc")``
``suffix``      ``*abc``                     ``subject.endswith("abc")``
``affix``       ``ab*cd``                    length, ``startswith`` and ``endswith``
``contains``    ``*abc*``                    ``"abc" in subject``
``general``     anything else                greedy chunk matcher (below)
==============  ===========================  ====================================

The general matcher splits the pattern on ``*`` into fixed-width chunks (a ``?`` is one
character wide), anchors the first chunk at the start and the last at the end, and places
every middle chunk at its leftmost possible position. Because every chunk has a fixed width,
the leftmost placement never rules out a match a later placement would allow, so no
backtracking is needed (no regular expression is ever built from policy text).

A middle chunk without ``?`` is found with :meth:`str.find`. A chunk with ``?`` is first
looked for through its longest literal piece (:meth:`str.find`, then a check of the other
pieces at each candidate), which is the fastest way when candidates are rare. After a few
failed candidates the search switches to a bit-parallel Shift-And scan: one bit per cell of
the chunk, a mask per character computed at compile time (a ``?`` cell's bit is set in every
mask), a constant number of integer operations per subject character. So a chunk costs time
linear in the subject whatever its number of ``?`` and pieces (``*a?a?…a?b*`` against a
megabyte of ``a``: benchmarks/README.md, "Adversarial inputs").
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Mapping, Sequence

import attrs

from trustsim._memo import cached

__all__ = [
    "Matcher",
    "clear_pattern_cache",
    "compile_pattern",
    "compile_segments",
    "pattern_strategy",
]

#: A compiled pattern: called with a subject, answers whether the whole subject matches.
Matcher = Callable[[str], bool]

#: A piece of pattern text and whether its ``*``/``?`` are wildcards (``False`` for text that
#: came from a policy variable or ``${*}``/``${?}``, which is always literal).
Segment = tuple[str, bool]


#: Failed candidates of a ``?``-chunk's anchor after which the search switches to Shift-And.
#: Typical subjects never get there; a subject full of near misses (every position a
#: candidate, each failing on its last piece) costs at most this many checks of the pieces.
CANDIDATE_BUDGET = 8

#: Largest ``width × distinct characters`` of a chunk given Shift-And masks (512 KB of masks).
#: Any chunk of a policy within IAM's 2,048-character quota fits; a wider chunk with that many
#: distinct characters (hand-written text only) keeps checking candidates, whose count is then
#: bounded by the rarity of its long anchor.
MASK_CELLS = 1 << 22

#: Widest chunk whose masks are built by or-ing bits into ints (wider ones: through bytes).
SMALL_WIDTH = 4096


@attrs.frozen
class _Chunk:
    """A fixed-width run of the pattern between two stars.

    ``pieces`` are the literal runs with their offsets inside the chunk; the positions not
    covered by a piece are ``?``. ``anchor`` is the longest piece, used to find candidates.
    ``masks`` (bit ``j`` set when cell ``j`` accepts the character) and ``wild`` (the bits of
    the ``?`` cells, the mask of any other character) drive the Shift-And scan; ``masks`` is
    ``None`` when no scan can help (the first and last chunks are anchored, never searched;
    with fewer than two pieces a candidate never fails) or when they would exceed
    :data:`MASK_CELLS`.
    """

    width: int
    pieces: tuple[tuple[int, str], ...]
    anchor: tuple[int, str] | None
    masks: Mapping[str, int] | None = attrs.field(eq=False, repr=False)
    wild: int

    @classmethod
    def of(cls, cells: Sequence[str | None], *, searched: bool = False) -> _Chunk:
        """The chunk of ``cells``; with ``searched`` (a middle chunk), its Shift-And masks."""
        pieces: list[tuple[int, str]] = []
        run: list[str] = []
        for index, cell in enumerate(cells):
            if cell is None:
                if run:
                    pieces.append((index - len(run), "".join(run)))
                    run = []
            else:
                run.append(cell)
        if run:
            pieces.append((len(cells) - len(run), "".join(run)))
        anchor = max(pieces, key=lambda piece: len(piece[1])) if pieces else None
        masks, wild = _shift_and_masks(cells) if searched and len(pieces) > 1 else (None, 0)
        return cls(len(cells), tuple(pieces), anchor, masks, wild)

    @property
    def literal(self) -> str | None:
        """The chunk's text when it has no ``?`` (``None`` otherwise)."""
        if not self.pieces:
            return "" if self.width == 0 else None
        if (
            len(self.pieces) == 1
            and self.pieces[0][0] == 0
            and len(self.pieces[0][1]) == self.width
        ):
            return self.pieces[0][1]
        return None

    def at(self, subject: str, index: int) -> bool:
        """Whether the chunk matches ``subject`` at ``index`` (the caller checked the width)."""
        for offset, text in self.pieces:  # noqa: SIM110 - a loop beats all(<genexpr>) here
            if not subject.startswith(text, index + offset):
                return False
        return True

    def find(self, subject: str, start: int, stop: int) -> int:
        """The leftmost ``i >= start`` where the chunk matches and ends by ``stop``; else -1."""
        last = stop - self.width
        if last < start:
            return -1
        if self.anchor is None:
            return start
        offset, text = self.anchor
        end = last + offset + len(text)
        hit = subject.find(text, start + offset, end)
        failures = 0
        while hit >= 0:
            index = hit - offset
            if self.at(subject, index):
                return index
            failures += 1
            if failures == CANDIDATE_BUDGET and self.masks is not None:
                return self.scan(self.masks, subject, index + 1, stop)  # near misses: one pass
            hit = subject.find(text, hit + 1, end)
        return -1

    def scan(self, masks: Mapping[str, int], subject: str, start: int, stop: int) -> int:
        """:meth:`find` by Shift-And: linear in ``stop - start``, whatever the chunk.

        Bit ``j`` of ``state`` after reading ``subject[i]`` says that cells ``0..j`` match the
        ``j + 1`` characters ending at ``i``; the chunk matches when the top bit is set (the
        masks have ``width`` bits, so ``state >= top`` tests it without allocating an int).
        The first match to end is the leftmost one, since every match has the chunk's width.
        """
        top = 1 << (self.width - 1)
        state = 0
        characters = map(masks.get, subject[start:stop], itertools.repeat(self.wild))
        for index, mask in enumerate(characters, start):
            state = (state << 1 | 1) & mask
            if state >= top:
                return index - self.width + 1
        return -1


def _shift_and_masks(cells: Sequence[str | None]) -> tuple[dict[str, int] | None, int]:
    """Per character, the bits of the cells it satisfies; and the bits of the ``?`` cells."""
    width = len(cells)
    if width * width > MASK_CELLS:  # else width × distinct characters is surely small enough
        distinct = len({cell for cell in cells if cell is not None})
        if distinct * width > MASK_CELLS:
            return None, 0
    if width <= SMALL_WIDTH:  # or-ing into ints: the fastest way for a policy's chunks
        wild = 0
        for index, cell in enumerate(cells):
            if cell is None:
                wild |= 1 << index
        masks: dict[str, int] = {}
        for index, cell in enumerate(cells):
            if cell is not None:
                masks[cell] = masks.get(cell, wild) | 1 << index
        return masks, wild
    # Wider: or-ing into growing ints is quadratic in the width; bytes then int.from_bytes
    # are linear.
    wild_bytes = bytearray((width + 7) // 8)
    where: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        if cell is None:
            wild_bytes[index >> 3] |= 1 << (index & 7)
        else:
            where.setdefault(cell, []).append(index)
    masks = {}
    for char, indexes in where.items():
        bits = bytearray(wild_bytes)
        for index in indexes:
            bits[index >> 3] |= 1 << (index & 7)
        masks[char] = int.from_bytes(bits, "little")
    return masks, int.from_bytes(wild_bytes, "little")


def _split(segments: Sequence[Segment]) -> list[list[str | None]]:
    """Split the pattern into chunks of cells (a character, or ``None`` for ``?``)."""
    chunks: list[list[str | None]] = [[]]
    for text, active in segments:
        if not active:
            chunks[-1].extend(text)
            continue
        for char in text:
            if char == "*":
                chunks.append([])
            elif char == "?":
                chunks[-1].append(None)
            else:
                chunks[-1].append(char)
    return chunks


def _general(first: _Chunk, middle: tuple[_Chunk, ...], last: _Chunk | None) -> Matcher:
    if last is None:  # no star: one chunk anchored at both ends
        width = first.width

        def exact(subject: str) -> bool:
            return len(subject) == width and first.at(subject, 0)

        return exact

    shortest = first.width + last.width + sum(chunk.width for chunk in middle)
    last_width = last.width
    head, tail = first.literal, last.literal
    # Literal middle chunks are found with str.find alone (C speed); others by _Chunk.find.
    steps = tuple((chunk.literal, chunk) for chunk in middle)

    def general(subject: str) -> bool:
        size = len(subject)
        if size < shortest:
            return False
        if not (subject.startswith(head) if head is not None else first.at(subject, 0)):
            return False
        end = size - last_width
        if not (subject.endswith(tail) if tail is not None else last.at(subject, end)):
            return False
        position = first.width
        for literal, chunk in steps:
            if literal is not None:
                index = subject.find(literal, position, end)
                if index < 0:
                    return False
                position = index + len(literal)
            else:
                index = chunk.find(subject, position, end)
                if index < 0:
                    return False
                position = index + chunk.width
        return True

    return general


def _plan(segments: Sequence[Segment]) -> tuple[str, Matcher]:
    cells = _split(segments)
    chunks = [
        _Chunk.of(chunk, searched=0 < index < len(cells) - 1) for index, chunk in enumerate(cells)
    ]
    if len(chunks) == 1:
        text = chunks[0].literal
        if text is not None:
            return "equality", text.__eq__
        return "general", _general(chunks[0], (), None)
    first, last = chunks[0], chunks[-1]
    middle = tuple(chunk for chunk in chunks[1:-1] if chunk.width)
    head, tail = first.literal, last.literal
    if head is not None and tail is not None and all(c.literal is not None for c in middle):
        if not middle:
            if not head and not tail:
                return "any", lambda subject: True
            # methodcaller runs in C: no Python frame per match.
            if not tail:
                return "prefix", operator.methodcaller("startswith", head)
            if not head:
                return "suffix", operator.methodcaller("endswith", tail)
            shortest = len(head) + len(tail)
            return (
                "affix",
                lambda subject: (
                    len(subject) >= shortest and subject.startswith(head) and subject.endswith(tail)
                ),
            )
        if len(middle) == 1 and not head and not tail:
            needle = middle[0].literal or ""  # not None: checked above
            return "contains", operator.methodcaller("__contains__", needle)
    return "general", _general(first, middle, last)


def _fold(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    return tuple((text.casefold(), active) for text, active in segments)


@cached(4096)
def _compiled(segments: tuple[Segment, ...], ignore_case: bool) -> tuple[str, Matcher]:
    if not ignore_case:
        return _plan(segments)
    strategy, match = _plan(_fold(segments))
    return strategy, lambda subject: match(subject.casefold())


def compile_segments(segments: Sequence[Segment], *, ignore_case: bool = False) -> Matcher:
    """Compile a pattern given as segments, some of them literal (from policy variables).

    Text that a policy variable put into a pattern is never a wildcard (docs/semantics.md §5.14),
    so ``("team-", True), ("a*b", False)`` matches only ``team-a*b``.

    >>> match = compile_segments([("team-", True), ("a*b", False), ("*", True)])
    >>> match("team-a*b-dev"), match("team-axb-dev")
    (True, False)
    """
    return _compiled(tuple(segments), ignore_case)[1]


def compile_pattern(pattern: str, *, ignore_case: bool = False) -> Matcher:
    """Compile an IAM wildcard pattern into a whole-string matcher.

    With ``ignore_case`` both the pattern and each subject are folded with
    :meth:`str.casefold` (Unicode case folding; AWS documents no finer rule, §5.4). Compiled
    matchers are cached, so compiling the same pattern twice is cheap.

    >>> match = compile_pattern("repo:acme/*:ref:refs/heads/main")
    >>> match("repo:acme/app:ref:refs/heads/main")
    True
    >>> match("repo:acme/app:ref:refs/heads/main-old")
    False
    >>> compile_pattern("role/[ab]?")("role/[ab]x")   # brackets are literal
    True
    >>> compile_pattern("DEPLOY-*", ignore_case=True)("deploy-prod")
    True
    """
    return _compiled(((pattern, True),), ignore_case)[1]


def clear_pattern_cache() -> None:
    """Forget every compiled pattern (benchmarks measure cold compiles).

    >>> clear_pattern_cache()
    """
    _compiled.cache_clear()


def pattern_strategy(pattern: str) -> str:
    """The strategy :func:`compile_pattern` picks for ``pattern`` (see the module docstring).

    >>> [pattern_strategy(p) for p in ("a", "a*", "*a", "a*b", "*a*", "*", "a?*b*c")]
    ['equality', 'prefix', 'suffix', 'affix', 'contains', 'any', 'general']
    """
    return _compiled(((pattern, True),), False)[0]
