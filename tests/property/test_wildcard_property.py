"""The compiled wildcard matcher agrees with the dynamic-programming oracle (docs/semantics.md §5.4)."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.reference_conditions import tokens_match, wildcard_match
from trustsim import wildcard
from trustsim.wildcard import compile_pattern, compile_segments

pytestmark = pytest.mark.property

# Characters that regexes and globs treat specially must be literal here.
PATTERN_CHARS = "ab*?[]\\.+(/:"
SUBJECT_CHARS = "ab[]\\.+(/:x*?"

patterns = st.text(alphabet=PATTERN_CHARS, max_size=12)
subjects = st.text(alphabet=SUBJECT_CHARS, max_size=16)


@st.composite
def pattern_and_matching_subject(draw: st.DrawFn) -> tuple[str, str]:
    """A pattern and a subject built to match it (so both outcomes are well covered)."""
    pattern = draw(patterns)
    subject = "".join(
        draw(st.text(alphabet=SUBJECT_CHARS, max_size=4))
        if char == "*"
        else draw(st.sampled_from(SUBJECT_CHARS))
        if char == "?"
        else char
        for char in pattern
    )
    return pattern, subject


@settings(max_examples=1000)
@given(patterns, subjects)
def test_agrees_with_oracle(pattern: str, subject: str) -> None:
    assert compile_pattern(pattern)(subject) is wildcard_match(pattern, subject)


@settings(max_examples=1000)
@given(pattern_and_matching_subject())
def test_built_subjects_match(case: tuple[str, str]) -> None:
    pattern, subject = case
    assert compile_pattern(pattern)(subject) is True
    assert wildcard_match(pattern, subject) is True


@settings(max_examples=1000)
@given(st.text(alphabet="aAbB*?ßS", max_size=10), st.text(alphabet="aAbBßsS", max_size=12))
def test_ignore_case_is_the_oracle_on_folded_text(pattern: str, subject: str) -> None:
    expected = wildcard_match(pattern.casefold(), subject.casefold())
    assert compile_pattern(pattern, ignore_case=True)(subject) is expected


@settings(max_examples=1000)
@given(st.lists(st.tuples(st.text(alphabet="ab*?", max_size=4), st.booleans()), max_size=4),
       st.text(alphabet="ab*?", max_size=10))  # fmt: skip
def test_literal_segments_are_escaped(segments: list[tuple[str, bool]], subject: str) -> None:
    """Text of literal segments (policy variables) matches itself only."""
    # Oracle: the DP over tokens, with each literal character forced to compare exactly.
    tokens = [(char, active) for text, active in segments for char in text]
    assert compile_segments(segments)(subject) is tokens_match(tokens, subject)


# --- `?`-heavy chunks (issue 9): the candidate check and the Shift-And scan -------------------

#: Chunks of many `?` and few literal pieces; subjects mostly `a`, so that nearly every position
#: is a candidate that fails late, pushing the search past CANDIDATE_BUDGET into the scan.
question_chunks = st.lists(st.sampled_from("a??b?a"), min_size=1, max_size=12).map("".join)
near_miss_subjects = st.lists(st.sampled_from("aaaaaaaaab"), min_size=20, max_size=80).map("".join)


@st.composite
def question_heavy_patterns(draw: st.DrawFn, chunks: st.SearchStrategy[str]) -> str:
    """One to four `?`-heavy chunks joined by stars, each end anchored or not."""
    body = "*".join(draw(st.lists(chunks, min_size=1, max_size=4)))
    head = draw(st.sampled_from(["", "*", "*", "*"]))  # mostly stars: middle chunks are searched
    tail = draw(st.sampled_from(["", "*", "*", "*"]))
    return head + body + tail


def filled(pattern: str, draw: st.DrawFn, alphabet: str) -> str:
    """A subject the pattern matches; stars are often empty, putting chunks at the ends."""
    return "".join(
        draw(st.text(alphabet=alphabet, max_size=6))
        if char == "*"
        else draw(st.sampled_from(alphabet))
        if char == "?"
        else char
        for char in pattern
    )


@st.composite
def question_heavy_matching(draw: st.DrawFn) -> tuple[str, str]:
    pattern = draw(question_heavy_patterns(question_chunks))
    # Behind a leading star, a run of near misses before the match: found by the scan.
    misses = draw(st.sampled_from(["", "a" * 30])) if pattern.startswith("*") else ""
    return pattern, misses + filled(pattern, draw, "ab")


@settings(max_examples=500)
@given(question_heavy_patterns(question_chunks), near_miss_subjects)
def test_question_heavy_chunks_agree_with_oracle(pattern: str, subject: str) -> None:
    assert compile_pattern(pattern)(subject) is wildcard_match(pattern, subject)


@settings(max_examples=500)
@given(question_heavy_matching())
def test_question_heavy_chunks_find_built_matches(case: tuple[str, str]) -> None:
    pattern, subject = case
    assert compile_pattern(pattern)(subject) is True
    assert wildcard_match(pattern, subject) is True


@settings(max_examples=500)
@given(question_heavy_patterns(question_chunks), near_miss_subjects)
def test_question_heavy_chunks_by_scan_alone_agree_with_oracle(pattern: str, subject: str) -> None:
    """With a budget of one failed candidate, the Shift-And scan answers nearly every search."""
    with mock.patch.object(wildcard, "CANDIDATE_BUDGET", 1):
        assert compile_pattern(pattern)(subject) is wildcard_match(pattern, subject)


@settings(max_examples=500)
@given(
    question_heavy_patterns(
        st.lists(st.sampled_from("aA??bB?ß"), min_size=1, max_size=10).map("".join)
    ),
    st.lists(st.sampled_from("aaAAbßsS"), max_size=60).map("".join),
)
def test_question_heavy_chunks_ignoring_case_are_the_oracle_on_folded_text(
    pattern: str, subject: str
) -> None:
    """IgnoreCase: casefold both sides, then match (docs/semantics.md §5.4)."""
    expected = wildcard_match(pattern.casefold(), subject.casefold())
    assert compile_pattern(pattern, ignore_case=True)(subject) is expected
    with mock.patch.object(wildcard, "CANDIDATE_BUDGET", 1):
        assert compile_pattern(pattern, ignore_case=True)(subject) is expected
