"""Exhaustive small-scope checks of the wildcard matcher against the naive reference.

Mutation testing (docs/testing.md) found mutants of trustsim/wildcard.py that the example
tables and the hypothesis property let through: a middle chunk allowed to run past the anchored
last chunk (``*a?*`` matched ``ba``), an off-by-one in the candidate window of a ``?``-chunk.
Every pattern over ``{a, b, *, ?}`` up to five characters against every subject over ``{a, b}``
up to six characters leaves such a mutant nowhere to hide (docs/semantics.md §5.4: ``*`` is any run,
``?`` exactly one character, the whole subject must match).
"""

from __future__ import annotations

import itertools

import pytest

from tests.support.reference_conditions import wildcard_match
from trustsim.wildcard import compile_pattern, compile_segments

PATTERNS = ["".join(chars) for size in range(6) for chars in itertools.product("ab*?", repeat=size)]
SUBJECTS = ["".join(chars) for size in range(7) for chars in itertools.product("ab", repeat=size)]


@pytest.mark.parametrize("size", range(6))
def test_every_small_pattern_agrees_with_the_reference(size: int) -> None:
    for pattern in (p for p in PATTERNS if len(p) == size):
        match = compile_pattern(pattern)
        wrong = [s for s in SUBJECTS if match(s) is not wildcard_match(pattern, s)]
        assert not wrong, f"{pattern!r} disagrees with the reference on {wrong[:5]}"


@pytest.mark.parametrize("size", range(6))
def test_every_small_pattern_ignoring_case_agrees_with_the_reference(size: int) -> None:
    for pattern in (p for p in PATTERNS if len(p) == size):
        match = compile_pattern(pattern.upper(), ignore_case=True)
        wrong = [s for s in SUBJECTS if match(s) is not wildcard_match(pattern, s)]
        assert not wrong, f"{pattern.upper()!r} (ignore case) disagrees on {wrong[:5]}"


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("*a?*", "ba", False),  # the ? needs a character after the a
        ("*a?*", "bab", True),
        ("*a?b*b", "aabb", True),
        ("*a?b*b", "aab", False),  # the middle chunk may not overlap the last one
        ("a*?b?*a", "ab?ba", False),
        ("a*?b?*a", "axbya", True),
        ("*a?*b*", "axbay", True),  # the leftmost place of a ?-chunk leaves room for the rest
        ("*a?*b*", "aybax", True),
        ("*?a*b", "xaab", True),
        ("*a?b*b", "axaab", False),  # a ?-chunk is never placed past its window
        ("*a?b*c*", "axaybcazb", True),  # candidates are tried left to right
        ("*a?b*", "aaxb", True),  # the candidate right after a failed one is tried
        ("?*?", "a", False),
        ("*??*", "a", False),
        ("*??*", "ab", True),
    ],
)
def test_chunks_do_not_overlap(pattern: str, subject: str, expected: bool) -> None:
    assert compile_pattern(pattern)(subject) is expected
    assert wildcard_match(pattern, subject) is expected


@pytest.mark.parametrize(("head", "tail"), list(itertools.product(["", "a", "*", "?b"], repeat=2)))
def test_literal_segments_never_act_as_wildcards_in_any_position(head: str, tail: str) -> None:
    """Text from a policy variable is literal (§5.14): its ``*`` and ``?`` match only themselves."""
    match = compile_segments([(head, True), ("*?", False), (tail, True)])

    def fill(pattern: str) -> str:  # one subject the active pattern text matches
        return pattern.replace("*", "").replace("?", "x")

    assert match(fill(head) + "*?" + fill(tail))
    assert not match(fill(head) + "zz" + fill(tail))
    assert not match(fill(head) + "*" + fill(tail))
