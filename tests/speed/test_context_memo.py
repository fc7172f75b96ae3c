"""Calls with explicit ``context=`` entries are remembered by value, and the memo decides nothing.

``build_request``/``assume_role`` keep each call's derivation keyed by the call's value
(issue 22): explicit entries are part of the key with the exact type of each value, so
``True``, ``1`` and ``"true"`` — which AWS would see as different texts — never share an
entry. These tests compare every answer with the caches warm against the answer with every
cache switched off (``trustsim._memo.fresh_caches``), and check that what the memo hands out
cannot be changed through the mapping or the lists the caller passed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustsim as ts
from tests.support import corpus
from trustsim import _memo
from trustsim._memo import fresh_caches
from trustsim.callers import IamUser
from trustsim.context import RequestContext
from trustsim.errors import InvalidContext
from trustsim.parsing import parse_policy

AT = dt.datetime(2026, 11, 29, 12, 0, 0, tzinfo=dt.timezone.utc)
ROLE_ARN = "arn:aws:iam::111122223333:role/deploy"
USER_ARN = "arn:aws:iam::444455556666:user/alice"
_ALLOW_ALL = parse_policy(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"}},
    kind="identity",
)


def _alice() -> IamUser:
    return IamUser(USER_ARN, policies=[_ALLOW_ALL])


def _role(condition: dict[str, Any]) -> ts.Role:
    return ts.Role(
        ROLE_ARN,
        parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": condition,
                },
            }
        ),
    )


def _answer(role: ts.Role, context: object, *, cold: bool) -> tuple[object, ...]:
    """The decision and the whole request context of one call, caches warm or switched off."""
    try:
        with fresh_caches() if cold else contextlib.nullcontext():
            outcome = ts.assume_role(_alice(), role, at=AT, context=context)  # type: ignore[arg-type]
    except InvalidContext as error:
        return ("refused", str(error))
    context_seen = outcome.request.context
    return (
        outcome.decision,
        outcome.request.companion_actions,
        [(k, v, context_seen.is_multivalued(k)) for k, v in context_seen.items()],
    )


def test_equal_entries_of_different_types_never_share_a_derivation() -> None:
    role = _role({"StringEquals": {"aws:SourceVpc": "true"}})
    for _ in range(2):  # the second round answers from the memo
        assert ts.assume_role(_alice(), role, at=AT, context={"aws:SourceVpc": True}).allowed
        assert not ts.assume_role(_alice(), role, at=AT, context={"aws:SourceVpc": 1}).allowed
        assert ts.assume_role(_alice(), role, at=AT, context={"aws:SourceVpc": "true"}).allowed
        multi = ts.build_request(_alice(), role, at=AT, context={"aws:SourceVpc": ["true"]})
        assert multi.context.is_multivalued("aws:SourceVpc")
        single = ts.build_request(_alice(), role, at=AT, context={"aws:SourceVpc": ("true",)})
        assert single.context.is_multivalued("aws:SourceVpc")
        assert not ts.build_request(
            _alice(), role, at=AT, context={"aws:SourceVpc": "true"}
        ).context.is_multivalued("aws:SourceVpc")


def test_an_equal_call_with_entries_is_answered_from_the_memo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_memo.SWITCH, "fresh", False)  # the memo itself (warm, whatever the run)
    role = _role({"StringEquals": {"aws:SourceVpc": "vpc-1"}})
    first = ts.build_request(_alice(), role, at=AT, context={"aws:SourceVpc": "vpc-1"})
    second = ts.build_request(_alice(), role, at=AT, context={"aws:SourceVpc": "vpc-1"})
    assert second.context is first.context  # one derivation, handed out twice
    assert ts.evaluate(second).allowed


def test_the_key_spelling_and_order_of_entries_are_part_of_the_key() -> None:
    role = _role({"StringEquals": {"aws:SourceVpc": "vpc-1"}})
    for _ in range(2):
        lower = ts.build_request(_alice(), role, at=AT, context={"aws:sourcevpc": "vpc-1"})
        upper = ts.build_request(_alice(), role, at=AT, context={"aws:SourceVpc": "vpc-1"})
        assert lower.context.to_dict()["aws:sourcevpc"] == "vpc-1"
        assert upper.context.to_dict()["aws:SourceVpc"] == "vpc-1"
        with pytest.raises(InvalidContext, match="differ only in case"):
            ts.build_request(_alice(), role, at=AT, context={"a:b": "1", "A:B": "1"})


def test_changing_the_mapping_or_its_lists_after_the_call_changes_nothing_handed_out() -> None:
    role = _role({"ForAnyValue:StringEquals": {"aws:CalledVia": "b"}})
    keys = ["a"]
    entries: dict[str, Any] = {"aws:CalledVia": keys}
    first = ts.assume_role(_alice(), role, at=AT, context=entries)
    assert not first.allowed
    keys.append("b")
    assert first.request.context["aws:CalledVia"] == ("a",)
    assert ts.assume_role(_alice(), role, at=AT, context=entries).allowed
    entries["aws:CalledVia"] = ["a"]
    assert not ts.assume_role(_alice(), role, at=AT, context=entries).allowed
    assert first.request.context["aws:CalledVia"] == ("a",)


def test_what_the_memo_hands_out_is_immutable() -> None:
    role = _role({})
    request = ts.build_request(_alice(), role, at=AT, context={"aws:SourceVpc": "vpc-1"})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.context.folded = {}  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.context = RequestContext.of({})  # type: ignore[misc]
    assert type(request.context["aws:SourceVpc"]) is tuple
    with pytest.raises(TypeError, match="read-only"):
        request.context.folded["aws:sourcevpc"] = ("vpc-2",)  # type: ignore[index]
    again = ts.build_request(_alice(), role, at=AT, context={"aws:SourceVpc": "vpc-1"})
    assert again.context["aws:SourceVpc"] == ("vpc-1",)
    plain = ts.build_request(_alice(), role, at=AT)  # no entries: kept all the same
    with pytest.raises(TypeError, match="read-only"):
        plain.context.folded["aws:sourcevpc"] = ("vpc-2",)  # type: ignore[index]


def test_times_in_equal_instants_derive_the_same_text_and_others_are_not_kept() -> None:
    role = _role({"DateGreaterThan": {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}})
    plus_two = dt.timezone(dt.timedelta(hours=2))
    utc_noon = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)
    for when in (utc_noon, utc_noon.astimezone(plus_two)):
        request = ts.build_request(_alice(), role, at=AT, context={"aws:TokenIssueTime": when})
        assert request.context["aws:TokenIssueTime"] == ("2026-06-01T12:00:00Z",)
    naive = {"aws:TokenIssueTime": dt.datetime(2026, 6, 1, 12)}  # refused: no time zone
    for _ in range(2):
        with pytest.raises(InvalidContext, match="time zone"):
            ts.build_request(_alice(), role, at=AT, context=naive)


def test_a_request_context_given_as_entries_is_kept_by_value() -> None:
    role = _role({"StringEquals": {"aws:SourceVpc": "vpc-1"}})
    for value, allowed in (("vpc-1", True), ("vpc-2", False), ("vpc-1", True)):
        given = RequestContext.of({"aws:SourceVpc": value})
        assert ts.assume_role(_alice(), role, at=AT, context=given).allowed is allowed


_SCALARS = st.one_of(
    st.sampled_from(["true", "false", "1", "0", "vpc-1", "", "TRUE"]),
    st.booleans(),
    st.integers(-1, 2),
    st.sampled_from(
        [
            dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc),
            dt.datetime(2026, 6, 1, 14, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            dt.datetime(2026, 6, 1, 12),  # refused: no time zone
        ]
    ),
)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=3),
    st.lists(_SCALARS, max_size=3).map(tuple),
    st.frozensets(st.sampled_from(["a", "b", "true"]), max_size=3),
    st.sets(st.sampled_from(["a", "b", "1"]), max_size=3),
    st.none(),
    st.just(1.5),
)
_KEYS = st.sampled_from(["aws:SourceVpc", "aws:sourcevpc", "aws:CalledVia", "aws:TokenIssueTime"])
_CONDITIONS = [
    {"StringEquals": {"aws:SourceVpc": "true"}},
    {"StringEquals": {"aws:SourceVpc": "1"}},
    {"Bool": {"aws:SourceVpc": "true"}},
    {"NumericEquals": {"aws:SourceVpc": "1"}},
    {"ForAnyValue:StringEquals": {"aws:CalledVia": ["a", "true"]}},
    {"ForAllValues:StringEquals": {"aws:CalledVia": ["a", "b"]}},
    {"DateLessThan": {"aws:TokenIssueTime": "2026-06-01T13:00:00Z"}},
    {"Null": {"aws:TokenIssueTime": "false"}},
]


@settings(max_examples=60, deadline=None)
@given(
    calls=st.lists(
        st.tuples(st.integers(0, len(_CONDITIONS) - 1), st.lists(st.tuples(_KEYS, _VALUES))),
        min_size=1,
        max_size=12,
    )
)
def test_the_memo_changes_no_answer(calls: list[tuple[int, list[tuple[str, Any]]]]) -> None:
    """Any sequence of calls with explicit entries — repeated, of equal values of other types,
    of refused values — answers the same with the memo warm as with it cleared first."""
    roles = [_role(condition) for condition in _CONDITIONS]
    calls = calls * 2  # every call made again: the second answers from the memo
    warm = [_answer(roles[index], dict(entries), cold=False) for index, entries in calls]
    cold = [_answer(roles[index], dict(entries), cold=True) for index, entries in calls]
    assert warm == cold


def test_the_corpus_with_explicit_entries_answers_the_same_warm_and_cold() -> None:
    """Every case of a generated corpus, with explicit entries, decided with the caches warm
    (each call made twice) and with every cache switched off (``fresh_caches``)."""
    cases = corpus.generate(60, 11)
    roles = [corpus.make_role(case) for case in cases]
    extra = {"aws:SourceVpc": "vpc-1", "aws:CalledVia": ["cloudformation.amazonaws.com"]}

    def answers(*, cold: bool) -> list[tuple[object, ...]]:
        result = []
        for case, role in [*zip(cases, roles, strict=True)] * 2:
            with fresh_caches() if cold else contextlib.nullcontext():
                outcome = ts.assume_role(
                    corpus.make_caller(case["caller"]),
                    role,
                    at=corpus.AT,
                    context=dict(extra),
                    **case["options"],
                )
            result.append((outcome.decision, outcome.request.context.to_dict()))
        return result

    warm = answers(cold=False)
    assert warm == answers(cold=True)
    assert {decision for decision, _ in warm} >= {ts.Decision.ALLOW, ts.Decision.IMPLICIT_DENY}
