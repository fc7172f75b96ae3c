"""IAM wildcard matching (SEMANTICS.md §5.4; DESIGN.md §3.1)."""

from __future__ import annotations

import time

import pytest

from tests.reference_conditions import wildcard_match
from trustsim.wildcard import compile_pattern, compile_segments, pattern_strategy

# (pattern, subject, expected): `*` any run (crossing / and :), `?` one character, all else literal.
CASES = [
    ("abc", "abc", True),
    ("abc", "abcd", False),
    ("abc", "ABC", False),  # case-sensitive unless IgnoreCase
    ("", "", True),
    ("", "a", False),
    ("*", "", True),
    ("*", "anything/at:all", True),
    ("a*", "a", True),
    ("a*", "ba", False),
    ("*a", "ba", True),
    ("*a", "ab", False),
    ("a*b", "ab", True),
    ("a*b", "a", False),  # prefix and suffix must not overlap
    ("aa*aa", "aaa", False),
    ("aa*aa", "aaaa", True),
    ("*mid*", "xmidy", True),
    ("*mid*", "mi-d", False),
    ("?", "", False),
    ("?", "x", True),
    ("?", "xy", False),
    ("a?c", "abc", True),
    ("a?c", "ac", False),
    ("*?", "", False),
    ("*?", "q", True),
    ("a*?*c", "ac", False),
    ("a*?*c", "abc", True),
    ("*a?a*", "xxaba", True),
    ("*a?a*", "xxab", False),
    ("repo:acme/*:ref:refs/heads/main", "repo:acme/app:ref:refs/heads/main", True),
    ("repo:acme/*:ref:refs/heads/main", "repo:acme/app:ref:refs/heads/main2", False),
    # `*` crosses `/` and `:` (the documented StringLike example, §5.4).
    ("arn:aws:someservice:*:111122223333:finance/*",
     "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", True),
    # role/a must not match role/a/b (PEERS.md §4)
    ("arn:aws:iam::1:role/a", "arn:aws:iam::1:role/a/b", False),
    # regex and glob metacharacters are literal
    ("role/a+b", "role/aab", False),
    ("role/a+b", "role/a+b", True),
    ("role/[ab]", "role/a", False),
    ("role/[ab]", "role/[ab]", True),
    ("a.c", "abc", False),
    ("a\\*", "a\\xyz", True),
    ("a\\?", "a\\", False),
    ("(x)", "(x)", True),
    ("{a,b}", "a", False),
    ("*b*b*b*", "abababa", True),
    ("*b*b*b*", "ababa", False),
    ("a*b?c*d", "a-b-c-xb_c--d", True),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "subject", "expected"), CASES)
def test_cases(pattern: str, subject: str, expected: bool) -> None:
    assert compile_pattern(pattern)(subject) is expected
    assert wildcard_match(pattern, subject) is expected  # the oracle agrees


@pytest.mark.parametrize(
    ("pattern", "strategy"),
    [
        ("abc", "equality"),
        ("", "equality"),
        ("abc*", "prefix"),
        ("*abc", "suffix"),
        ("ab*cd", "affix"),
        ("*abc*", "contains"),
        ("*", "any"),
        ("**", "any"),
        ("a**b", "affix"),
        ("a?c", "general"),
        ("a*b*c", "general"),
        ("*a*b*", "general"),
    ],
)
def test_cheapest_strategy(pattern: str, strategy: str) -> None:
    assert pattern_strategy(pattern) == strategy


def test_ignore_case_folds_both_sides_with_casefold() -> None:
    match = compile_pattern("STRASSE-*", ignore_case=True)
    assert match("straße-1")  # casefold, not lower(): ß folds to ss (§5.4, [UNCERTAIN] noted)
    assert not compile_pattern("STRASSE-*")("strasse-1")


def test_segments_keep_substituted_text_literal() -> None:
    match = compile_segments([("pre-", True), ("a*?", False), ("*", True)])
    assert match("pre-a*?")
    assert match("pre-a*?tail")
    assert not match("pre-abc")


def test_thirty_stars_against_one_megabyte_is_fast() -> None:
    """DESIGN.md §3.1: a policy must not make evaluation slow (no backtracking)."""
    pattern = "*a" * 30 + "*b"
    subject = "a" * 1_000_000
    match = compile_pattern(pattern)
    started = time.perf_counter()
    assert match(subject) is False
    assert time.perf_counter() - started < 0.5


def test_question_marks_against_long_subject_is_fast() -> None:
    """`?` chunks are found without backtracking: time grows linearly with the subject."""
    match = compile_pattern("*" + "a?" * 15 + "b*")
    timings = []
    for size in (20_000, 200_000):
        started = time.perf_counter()
        assert match("a" * size) is False
        timings.append(time.perf_counter() - started)
    assert timings[1] < 2.0
    assert timings[1] < timings[0] * 30  # linear (≈10), far from quadratic (≈100)
