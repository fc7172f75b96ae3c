"""The memo of ARN shapes answers as the regular expression does, whatever was asked before.

``trustsim._caller_checks.match_groups`` (every caller's ARN check, and every read of an
ARN's part: ``account_id``, ``name``…) remembers the last answer for each text with the
pattern it answers for, keyed by the text alone (hashing the compiled pattern on every call
cost more than the match, for the distinct ARNs of a dump). A text asked with another pattern
is matched again: the memo may remember, never decide.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from trustsim import _caller_checks, callers
from trustsim._caller_checks import match_groups
from trustsim.compiler import clear_caches

PATTERNS = [
    callers._USER_ARN,
    callers._ROLE_ARN,
    callers._ROOT_ARN,
    callers._OIDC_PROVIDER_ARN,
    callers._ACCOUNT_ID,
    re.compile(r"arn:aws:iam::(\d+):(.*)"),  # overlaps every ARN pattern above
]
TEXTS = [
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/eng/ops/alice",
    "arn:aws:iam::111122223333:role/deploy",
    "arn:aws-cn:iam::111122223333:role/ci/deploy",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
    "111122223333",
    "arn:aws:iam::11112222333:role/short-account",
    "",
]


def _expected(pattern: re.Pattern[str], text: str) -> tuple[str, ...] | None:
    match = pattern.fullmatch(text)
    return None if match is None else match.groups()


@given(st.lists(st.tuples(st.sampled_from(PATTERNS), st.sampled_from(TEXTS)), max_size=40))
def test_any_order_of_questions_gets_the_expressions_answers(
    questions: list[tuple[re.Pattern[str], str]],
) -> None:
    clear_caches()
    for pattern, text in questions:
        assert match_groups(pattern, text) == _expected(pattern, text)
        assert match_groups(pattern, text) == _expected(pattern, text)  # now remembered


def test_one_text_asked_with_two_patterns_is_matched_again() -> None:
    clear_caches()
    text = "arn:aws:iam::111122223333:role/deploy"
    assert match_groups(callers._ROLE_ARN, text) == ("aws", "111122223333", "/", "deploy")
    assert match_groups(callers._USER_ARN, text) is None
    assert match_groups(callers._ROLE_ARN, text) == ("aws", "111122223333", "/", "deploy")


def test_the_memo_is_bounded_and_cleared_with_the_others() -> None:
    clear_caches()
    for n in range(5000):
        match_groups(callers._ROLE_ARN, f"arn:aws:iam::111122223333:role/r{n}")
    assert 0 < len(_caller_checks._GROUPS) <= 4096
    clear_caches()
    assert not _caller_checks._GROUPS


def test_an_entitys_parts_are_read_from_its_own_arn() -> None:
    clear_caches()
    users = [callers.IamUser(f"arn:aws:iam::{n:012d}:user/p{n}/u{n}") for n in range(1, 5000)]
    assert [(u.account_id, u.path, u.name) for u in users] == [
        (f"{n:012d}", f"/p{n}/", f"u{n}") for n in range(1, 5000)
    ]
