"""The compiled wildcard matcher agrees with the dynamic-programming oracle (SEMANTICS.md §5.4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reference_conditions import tokens_match, wildcard_match
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
