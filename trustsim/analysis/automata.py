"""Finite automata over characters: the languages of IAM globs, and their products.

The analysis never decides whether a request is allowed; it only needs to know which requests
*behave alike* under a policy. For a string-valued key, the policy's constants (``StringLike``
globs, ``StringEquals`` texts, ``StringEqualsIgnoreCase`` texts, ARN patterns, principal
values…) each define a language; two values that lie in exactly the same languages are
treated alike by every clause on that key. :func:`explore` walks the product of the key's
domain with all those languages at once and returns one shortest witness per reachable
*signature* (the tuple of "in this language?" answers): the regions of the key's domain.

An automaton is a Thompson NFA whose edges carry a :class:`Label` (one literal character, one
character whose case folding is a given text, or a class of characters); simulation runs on
sets of states, so no determinisation is ever built.

>>> star = glob("repo:acme*")
>>> exact = equals("repo:acme/app:ref:refs/heads/main")
>>> regions = explore(any_text(), [star, exact])
>>> sorted(regions.items())
[((False, False), ''), ((True, False), 'repo:acme'), ((True, True), 'repo:acme/app:ref:refs/heads/main')]
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Sequence

import attrs

from trustsim._memo import cached
from trustsim._request_derivation import tag_text_ok

__all__ = [
    "ANY",
    "DEFAULT_BUDGET",
    "NOT_COLON",
    "TAG_TEXT",
    "Label",
    "Nfa",
    "TooLarge",
    "any_text",
    "arn_glob",
    "arn_shaped",
    "chars",
    "equals",
    "equals_ignore_case",
    "explore",
    "glob",
    "literal",
    "seq",
    "union",
]


class TooLarge(Exception):
    """The product of automata grew beyond the analysis' budget (the answer is incomplete)."""


@attrs.frozen
class Label:
    """What one edge reads: a literal character, a character folding to ``text``, or a class.

    ``kind`` is ``"lit"`` (``text`` is the character), ``"fold"`` (``text`` is the case
    folding a character must have) or ``"class"`` (``text`` names the class; ``members`` lists
    its characters, or is ``None`` for the classes defined by a test: ``any``, ``not-colon``,
    ``non-space``).
    """

    kind: str
    text: str
    members: frozenset[str] | None = None

    def accepts(self, char: str) -> bool:
        """Whether this edge reads ``char``."""
        if self.kind == "lit":
            return char == self.text
        if self.kind == "fold":
            return char.casefold() == self.text
        if self.members is not None:
            return char in self.members
        if self.text == "any":
            return True
        if self.text == "not-colon":
            return char != ":"
        if self.text == "tag-text":
            return tag_text_ok(char)
        return not char.isspace()  # non-space


ANY = Label("class", "any")
#: The characters of session tag keys and values (STS's pattern: letters, spaces, digits, _.:/=+-@).
TAG_TEXT = Label("class", "tag-text")
NOT_COLON = Label("class", "not-colon")
NON_SPACE = Label("class", "non-space")


def chars(name: str, members: Iterable[str]) -> Label:
    """A class of characters given by its members (``chars("digit", "0123456789")``)."""
    return Label("class", name, frozenset(members))


class Nfa:
    """A nondeterministic automaton with ε-moves; states are integers, ``0`` starts.

    Build one with the helpers of this module (:func:`glob`, :func:`seq`…); they never change
    an automaton once built.
    """

    __slots__ = ("_steps", "accept", "edges", "epsilon", "start")

    def __init__(
        self,
        edges: list[list[tuple[Label, int]]],
        epsilon: list[list[int]],
        accept: frozenset[int],
    ) -> None:
        self.edges = edges
        self.epsilon = epsilon
        self.accept = accept
        self._steps: dict[tuple[frozenset[int], str], frozenset[int]] = {}
        self.start = self.closure((0,))

    @property
    def size(self) -> int:
        """The number of states."""
        return len(self.edges)

    def labels(self) -> set[Label]:
        """Every label on an edge."""
        return {label for out in self.edges for label, _ in out}

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        """The states reachable from ``states`` by ε-moves."""
        seen = set(states)
        todo = list(seen)
        while todo:
            for nxt in self.epsilon[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)

    def step(self, states: frozenset[int], char: str) -> frozenset[int]:
        """The states after reading ``char`` from ``states``."""
        key = (states, char)
        found = self._steps.get(key)
        if found is None:
            found = self.closure(
                [nxt for state in states for label, nxt in self.edges[state] if label.accepts(char)]
            )
            if len(self._steps) > 200_000:
                self._steps.clear()
            self._steps[key] = found
        return found

    def accepts(self, states: frozenset[int]) -> bool:
        """Whether ``states`` holds an accepting state."""
        return not self.accept.isdisjoint(states)

    def matches(self, text: str) -> bool:
        """Whether the automaton accepts ``text``.

        >>> glob("a?c*").matches("abcdef"), glob("a?c*").matches("ac")
        (True, False)
        """
        states = self.start
        for char in text:
            states = self.step(states, char)
            if not states:
                return False
        return self.accepts(states)


class _Builder:
    def __init__(self) -> None:
        self.edges: list[list[tuple[Label, int]]] = []
        self.epsilon: list[list[int]] = []

    def state(self) -> int:
        self.edges.append([])
        self.epsilon.append([])
        return len(self.edges) - 1

    def copy(self, nfa: Nfa) -> tuple[int, set[int]]:
        """Copy ``nfa`` in; returns its start state and accepting states here."""
        base = len(self.edges)
        for out, eps in zip(nfa.edges, nfa.epsilon, strict=True):
            self.edges.append([(label, nxt + base) for label, nxt in out])
            self.epsilon.append([nxt + base for nxt in eps])
        return base, {state + base for state in nfa.accept}

    def build(self, accept: Iterable[int]) -> Nfa:
        return Nfa(self.edges, self.epsilon, frozenset(accept))


def _pattern(items: Sequence[tuple[str, str | Label]]) -> Nfa:
    """A chain: each item ``("one", label)``, ``("star", label)`` or ``("lit", char)``."""
    builder = _Builder()
    current = builder.state()
    for kind, what in items:
        if kind == "star":
            assert isinstance(what, Label)  # noqa: S101 - internal invariant
            builder.edges[current].append((what, current))
            nxt = builder.state()
            builder.epsilon[current].append(nxt)
        else:
            nxt = builder.state()
            label = what if isinstance(what, Label) else Label("lit", what)
            builder.edges[current].append((label, nxt))
        current = nxt
    return builder.build([current])


@cached(4096)
def glob(pattern: str, wildcard: Label = ANY) -> Nfa:
    """The language of an IAM pattern: ``*`` any run, ``?`` one character, all else literal.

    >>> glob("repo:acme/*").matches("repo:acme/app:ref:refs/heads/main")
    True
    """
    items: list[tuple[str, str | Label]] = []
    _add_glob(items, pattern, wildcard)
    return _pattern(items)


def _add_glob(items: list[tuple[str, str | Label]], pattern: str, wildcard: Label) -> None:
    """Append the items of ``pattern``: ``*`` a run (stars in a row are one), ``?`` one character."""
    for char in pattern:
        if char == "*":
            if not items or items[-1] != ("star", wildcard):
                items.append(("star", wildcard))
        elif char == "?":
            items.append(("one", wildcard))
        else:
            items.append(("lit", char))


@cached(4096)
def equals(text: str) -> Nfa:
    """The one-word language ``{text}`` (``*`` and ``?`` are literal here).

    >>> equals("a*").matches("a*"), equals("a*").matches("ab")
    (True, False)
    """
    return _pattern([("lit", char) for char in text])


def literal(text: str) -> Nfa:
    """Same as :func:`equals`; reads better inside :func:`seq`."""
    return equals(text)


@cached(1)
def _folds() -> dict[str, tuple[str, ...]]:
    """Case folding → the characters that fold to it (only those that do not fold to themselves)."""
    table: dict[str, list[str]] = {}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        folded = char.casefold()
        if folded != char:
            table.setdefault(folded, []).append(char)
    return {folded: tuple(found) for folded, found in table.items()}


def fold_sources(folded: str) -> tuple[str, ...]:
    r"""Every character whose case folding is ``folded`` (``"k"`` → ``k``, ``K``, KELVIN SIGN).

    >>> "\u212a" in fold_sources("k")
    True
    """
    found = _folds().get(folded, ())
    return (folded, *found) if len(folded) == 1 else found


@cached(4096)
def equals_ignore_case(text: str) -> Nfa:
    """``{v : v.casefold() == text.casefold()}``, the language of ``StringEqualsIgnoreCase``.

    Case folding works character by character, so the language is read by walking the folded
    target: a character may consume one to three of its characters (``ß`` → ``ss``).

    >>> m = equals_ignore_case("Strasse")
    >>> m.matches("STRASSE"), m.matches("straße"), m.matches("strase")
    (True, True, False)
    """
    target = text.casefold()
    builder = _Builder()
    for _ in range(len(target) + 1):
        builder.state()
    for start in range(len(target)):
        for stop in range(start + 1, min(start + 3, len(target)) + 1):
            piece = target[start:stop]
            if fold_sources(piece):
                builder.edges[start].append((Label("fold", piece), stop))
    return builder.build([len(target)])


def _arn_items(pattern: str) -> list[tuple[str, str | Label]] | None:
    parts = pattern.split(":", 5)
    if len(parts) != 6:
        return None
    items: list[tuple[str, str | Label]] = []
    for index, part in enumerate(parts):
        if index:
            items.append(("lit", ":"))
        _add_glob(items, part, NOT_COLON if index < 5 else ANY)
    return items


@cached(4096)
def arn_glob(pattern: str) -> Nfa | None:
    """The language of an ``ArnLike`` pattern: six parts, each a glob; the first five hold no colon.

    ``None`` when ``pattern`` does not have six parts (IAM refuses the policy).

    >>> m = arn_glob("arn:aws:iam::*:role/ci-*")
    >>> m.matches("arn:aws:iam::111122223333:role/ci-deploy"), m.matches("arn:aws:iam::1:2:role/ci-x")
    (True, False)
    """
    items = _arn_items(pattern)
    return None if items is None else _pattern(items)


@cached(1)
def arn_shaped() -> Nfa:
    """Values that split into six ARN parts (at least five colons): what ``Arn*`` can read."""
    return glob("*:*:*:*:*:*")


def any_text() -> Nfa:
    """Every text, the empty one included."""
    return _pattern([("star", ANY)])


def seq(*parts: Nfa | Label | str, repeat: tuple[int, int | None] | None = None) -> Nfa:
    """The concatenation of ``parts`` (a :class:`Label` reads one character, a str is literal).

    ``repeat=(low, high)`` repeats the whole concatenation ``low`` to ``high`` times (``None``:
    unbounded).

    >>> digits = seq(chars("digit", "0123456789"), repeat=(2, 3))
    >>> digits.matches("12"), digits.matches("1"), digits.matches("1234")
    (True, False, False)
    """
    builder = _Builder()
    start = builder.state()
    current = {start}
    for given in parts:
        part = literal(given) if isinstance(given, str) else given
        if isinstance(part, Label):
            nxt = builder.state()
            for state in current:
                builder.edges[state].append((part, nxt))
            current = {nxt}
            continue
        sub_start, sub_accept = builder.copy(part)
        for state in current:
            builder.epsilon[state].append(sub_start)
        current = sub_accept
    body = builder.build(current)
    if repeat is None:
        return body
    low, high = repeat
    return _repeat(body, low, high)


def _repeat(body: Nfa, low: int, high: int | None) -> Nfa:
    builder = _Builder()
    start = builder.state()
    current = {start}
    ends: set[int] = set(current) if low == 0 else set()
    copies = low if high is None else high
    for index in range(copies):
        sub_start, sub_accept = builder.copy(body)
        for state in current:
            builder.epsilon[state].append(sub_start)
        current = sub_accept
        if index + 1 >= low:
            ends |= current
    if high is None:
        sub_start, sub_accept = builder.copy(body)
        for state in current:
            builder.epsilon[state].append(sub_start)
        for state in sub_accept:
            builder.epsilon[state].append(sub_start)
        ends |= sub_accept
        if low == 0:
            ends.add(start)
    return builder.build(ends)


def union(*options: Nfa) -> Nfa:
    """The union of ``options``.

    >>> either = union(literal("user"), literal("role"))
    >>> either.matches("role"), either.matches("ro")
    (True, False)
    """
    builder = _Builder()
    start = builder.state()
    ends: set[int] = set()
    for option in options:
        sub_start, sub_accept = builder.copy(option)
        builder.epsilon[start].append(sub_start)
        ends |= sub_accept
    return builder.build(ends)


#: Characters every alphabet holds besides the literals: printable ASCII, blanks, and samples
#: of the non-ASCII classes (a letter, a symbol, a blank, an astral character).
_BASE = (
    [chr(code) for code in range(0x20, 0x7F)]
    + ["\t", "\n", "\x00"]
    + ["é", "☃", "\u2003", "\U0001f600"]
)


def alphabet(automata: Sequence[Nfa]) -> list[str]:
    """One character per way the automata can tell characters apart.

    Two characters every label answers alike drive every automaton alike, so the product
    need only try one of them. The candidates cover every label: the literal characters, every
    character that folds to a ``fold`` label's text, the members of the classes, and samples
    of the characters no class names.
    """
    labels: set[Label] = set()
    for nfa in automata:
        labels |= nfa.labels()
    return list(_alphabet(frozenset(labels)))


@cached(1024)
def _alphabet(labels: frozenset[Label]) -> tuple[str, ...]:
    candidates = list(_BASE)
    for label in labels:
        if label.kind == "lit":
            candidates.append(label.text)
        elif label.kind == "fold":
            candidates.extend(fold_sources(label.text))
        elif label.members is not None:
            candidates.extend(sorted(label.members))
    ordered = sorted(labels, key=lambda label: (label.kind, label.text))
    chosen: dict[tuple[bool, ...], str] = {}
    for char in candidates:
        signature = tuple(label.accepts(char) for label in ordered)
        if signature not in chosen and any(signature):
            chosen[signature] = char
    return tuple(chosen.values())


#: The product states :func:`explore` may visit unless told otherwise.
DEFAULT_BUDGET = 20_000


def explore(
    domain: Nfa,
    languages: Sequence[Nfa],
    *,
    max_length: int | None = None,
    budget: int = DEFAULT_BUDGET,
) -> dict[tuple[bool, ...], str]:
    """Every reachable region of ``domain`` cut by ``languages``, with a shortest witness each.

    A region is named by its signature: for each language, whether its words lie in it. The
    walk is breadth-first over the product of all automata, so each witness is a shortest word
    of its region; a region whose shortest word is longer than ``max_length`` is empty within
    the domain's length limit and left out. Raises :class:`TooLarge` past ``budget`` product
    states.
    """
    automata = [domain, *languages]
    letters = alphabet(automata)
    start = tuple(nfa.start for nfa in automata)
    seen = {start}
    queue: deque[tuple[tuple[frozenset[int], ...], str]] = deque([(start, "")])
    regions: dict[tuple[bool, ...], str] = {}
    step: Callable[[Nfa, frozenset[int], str], frozenset[int]] = Nfa.step
    while queue:
        states, word = queue.popleft()
        if domain.accepts(states[0]) and (max_length is None or len(word) <= max_length):
            signature = tuple(nfa.accepts(s) for nfa, s in zip(languages, states[1:], strict=True))
            regions.setdefault(signature, word)
        for char in letters:
            head = step(domain, states[0], char)
            if not head:
                continue
            nxt = (
                head,
                *(step(nfa, s, char) for nfa, s in zip(languages, states[1:], strict=True)),
            )
            if nxt not in seen:
                if len(seen) >= budget:
                    raise TooLarge(f"more than {budget} product states")
                seen.add(nxt)
                queue.append((nxt, word + char))
    return regions
