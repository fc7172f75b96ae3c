"""No cache can change an answer (issue 17, items 2, 4 and 8).

Memo keys state what a decision depends on (a time's UTC instant, not Python's equality of
datetimes), memos hand out immutable values, every cache is bounded and cleared by
``clear_caches()``, and answers given with warm caches equal those given with every call
starting cold (``trustsim._memo.fresh_caches``).
"""

from __future__ import annotations

import datetime as dt
import linecache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustsim as ts
from tests.support import corpus
from trustsim import _memo, conditions
from trustsim.compiler import clear_caches
from trustsim.parsing import parse_policy

A = "111122223333"
ROLE_ARN = f"arn:aws:iam::{A}:role/deploy"
USER_ARN = f"arn:aws:iam::{A}:user/alice"
NEW_YORK = ZoneInfo("America/New_York")
#: 01:30 on the night New York's clocks go back: fold=0 is 05:30Z, fold=1 is 06:30Z.
EARLY = dt.datetime(2024, 11, 3, 1, 30, tzinfo=NEW_YORK, fold=0)
LATE = EARLY.replace(fold=1)
UTC = dt.timezone.utc


def _role(condition: dict[str, Any], arn: str = ROLE_ARN) -> ts.Role:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": [USER_ARN, f"arn:aws:iam::{A}:role/ci"]},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return ts.Role(arn, parse_policy({"Version": "2012-10-17", "Statement": statement}))


BEFORE_SIX = _role({"DateLessThan": {"aws:CurrentTime": "2024-11-03T06:00:00Z"}})
ISSUED_BEFORE_SIX = _role({"DateLessThan": {"aws:TokenIssueTime": "2024-11-03T06:00:00Z"}})


def test_fold_times_are_python_equal_but_an_hour_apart() -> None:
    """The trap itself: Python compares and hashes the two as equal."""
    assert EARLY == LATE
    assert hash(EARLY) == hash(LATE)
    assert EARLY.astimezone(UTC) != LATE.astimezone(UTC)


@pytest.mark.parametrize("first", [EARLY, LATE])
def test_a_fold_time_does_not_share_the_request_memo_with_its_twin(first: dt.datetime) -> None:
    """Item 2: on main the second call got the first call's time (and its answer)."""
    alice = ts.IamUser(USER_ARN)
    second = LATE if first is EARLY else EARLY
    for when in (first, second, first):
        outcome = ts.assume_role(alice, BEFORE_SIX, at=when)
        assert outcome.allowed is (when is EARLY)  # (not a dict by time: the trap again)
        assert outcome.request.context["aws:CurrentTime"] == (
            when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )


@pytest.mark.parametrize("first", [EARLY, LATE])
def test_a_fold_time_in_the_context_is_its_own_instant(first: dt.datetime) -> None:
    alice = ts.IamUser(USER_ARN)
    second = LATE if first is EARLY else EARLY
    for when in (first, second):
        outcome = ts.assume_role(alice, BEFORE_SIX, context={"aws:CurrentTime": when})
        assert outcome.allowed is (when is EARLY)


@pytest.mark.parametrize("first", [EARLY, LATE])
def test_a_fold_time_as_a_session_issue_time_is_its_own_instant(first: dt.datetime) -> None:
    second = LATE if first is EARLY else EARLY
    at = dt.datetime(2024, 11, 3, 7, tzinfo=UTC)
    for when in (first, second):
        session = ts.RoleSession(f"arn:aws:iam::{A}:role/ci", "run-1", issued_at=when)
        assert session.issued_at == when.astimezone(UTC)
        assert session.issued_at.tzinfo is UTC  # type: ignore[union-attr]
        outcome = ts.assume_role(session, ISSUED_BEFORE_SIX, at=at)
        # A same-account role trusted by ARN: the trust policy alone decides.
        assert outcome.allowed is (when is EARLY), outcome.explain()


def test_sessions_issued_at_fold_twins_are_different_values() -> None:
    role = f"arn:aws:iam::{A}:role/ci"
    early = ts.RoleSession(role, "run-1", issued_at=EARLY)
    late = ts.RoleSession(role, "run-1", issued_at=LATE)
    assert early != late
    assert len({early, late}) == 2


# ------------------------------------------------------------------------ immutable handouts


def test_the_context_an_outcome_holds_cannot_be_changed() -> None:
    """Item 4: ``folded`` was a plain dict shared by equal calls."""
    alice = ts.IamUser(USER_ARN)
    at = dt.datetime(2024, 1, 1, tzinfo=UTC)
    outcome = ts.assume_role(alice, BEFORE_SIX, at=at)
    assert outcome.allowed
    with pytest.raises(TypeError, match="read-only"):
        outcome.request.context.folded["aws:currenttime"] = ("2000-01-01T00:00:00Z",)  # type: ignore[index]
    with pytest.raises(TypeError, match="read-only"):
        outcome.request.context.folded.clear()  # type: ignore[attr-defined]
    again = ts.assume_role(ts.IamUser(USER_ARN), BEFORE_SIX, at=at)
    assert again.allowed
    assert again.reason == outcome.reason


@pytest.mark.parametrize(
    "make",
    [
        lambda: ts.RequestContext.of({"k": "v"}),
        lambda: ts.RequestContext.of({"k": "v"}).merged({"j": ["a"]}),
        lambda: ts.RequestContext.of({"k": "v", "j": "w"}).without("j"),
        lambda: ts.RequestContext(folded={"k": ("v",)}),
        lambda: ts.build_request(ts.IamUser(USER_ARN), BEFORE_SIX).context,
        lambda: ts.build_request(ts.IamUser(USER_ARN), BEFORE_SIX, context={"x": "y"}).context,
    ],
)
def test_every_way_to_build_a_context_gives_a_read_only_mapping(make: Any) -> None:
    context = make()
    with pytest.raises(TypeError):
        context.folded["new"] = ("x",)


# ----------------------------------------------------------------------------- bounded caches


def _shape_files() -> list[str]:
    return [name for name in linecache.cache if name.startswith("<trustsim compiled condition")]


def _distinct_shapes(count: int) -> list[ts.Role]:
    """Roles whose conditions have ``count`` distinct shapes (n clauses on distinct keys)."""
    roles = []
    for size in range(1, count + 1):
        block = {"StringEquals": {f"aws:PrincipalTag/k{index}": "v" for index in range(size)}}
        roles.append(_role(block, f"arn:aws:iam::{A}:role/shape{size}"))
    return roles


def test_condition_shapes_are_bounded_and_drop_their_linecache_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Item 8: ``_SHAPES`` and ``linecache.cache`` grew by one entry per shape, forever."""
    clear_caches()
    monkeypatch.setattr(conditions.source, "_SHAPES_SIZE", 3)
    alice = ts.IamUser(USER_ARN)
    for role in _distinct_shapes(10):
        ts.assume_role(alice, role)
        assert len(conditions.source._SHAPES) <= 3
        assert len(_shape_files()) <= 3
    # The code of a shape dropped from the memo still runs (a compiled condition holds it).
    assert not ts.assume_role(alice, _distinct_shapes(1)[0]).allowed


def test_clear_caches_empties_every_cache_the_shapes_and_their_source_lines_included() -> None:
    alice = ts.IamUser(USER_ARN)
    for role in _distinct_shapes(4):
        ts.assume_role(alice, role, tags={"a": "b"})
        role_outcome = ts.assume_role(alice, role)
        role_outcome.explain()
    assert conditions.source._SHAPES
    assert _shape_files()
    assert any(size for size, _ in _memo.sizes().values())
    clear_caches()
    assert {name: size for name, (size, _) in _memo.sizes().items() if size} == {}
    assert conditions.source._SHAPES == {}
    assert _shape_files() == []


def test_every_cache_is_registered_with_a_bound_and_stays_within_it() -> None:
    cases = corpus.generate(60, 7)
    for case in cases:
        role = corpus.make_role(case)
        ts.assume_role(
            corpus.make_caller(case["caller"]), role, at=corpus.AT, **case["options"]
        ).explain()
    sizes = _memo.sizes()
    assert len(sizes) >= 25  # every module's caches, one mechanism
    for name, (size, bound) in sizes.items():
        assert 0 < bound <= 8192, name
        assert size <= bound, name


# ------------------------------------------------------------------ warm answers = cold answers


def _answer(outcome: ts.Outcome) -> tuple[object, ...]:
    return (outcome.decision, outcome.side, outcome.reason, outcome.errors, outcome.determined_by)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), order=st.randoms(use_true_random=False))
def test_a_corpus_decided_warm_answers_as_it_does_with_every_call_cold(
    seed: int, order: Any
) -> None:
    cases = corpus.generate(16, seed)
    calls = [(case, corpus.make_role(case)) for case in cases] * 2
    order.shuffle(calls)
    warm = [
        _answer(
            ts.assume_role(
                corpus.make_caller(case["caller"]), role, at=corpus.AT, **case["options"]
            )
        )
        for case, role in calls
    ]
    with _memo.fresh_caches():
        cold = [
            _answer(
                ts.assume_role(
                    corpus.make_caller(case["caller"]),
                    role,
                    at=corpus.AT,
                    **case["options"],
                )
            )
            for case, role in calls
        ]
    assert warm == cold


# Equal-but-different values a memo could confuse: each call is (caller, role, options).
_TIMES = [EARLY, LATE, dt.datetime(2024, 11, 3, 5, 30, tzinfo=UTC)]
_ROLES = [
    BEFORE_SIX,
    # Same ARN, other policies.
    _role({"DateLessThan": {"aws:CurrentTime": "2024-11-03T07:00:00Z"}}),
    _role({"StringEquals": {"aws:RequestTag/team": "blue"}}),
    _role({"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
]


def _caller(kind: int, tags: list[tuple[str, str]], when: dt.datetime) -> ts.Caller:
    if kind == 0:
        return ts.IamUser(USER_ARN, tags=dict(tags))
    return ts.RoleSession(
        f"arn:aws:iam::{A}:role/ci", "run-1", session_tags=dict(tags), issued_at=when
    )


_calls = st.tuples(
    st.integers(0, 1),
    st.permutations([("team", "blue"), ("env", "dev")]).map(list)
    | st.just([("team", "red")])
    | st.just([]),
    st.sampled_from(_TIMES),
    st.sampled_from(range(len(_ROLES))),
    st.sampled_from(
        [
            {},
            {"tags": {"team": "blue", "env": "dev"}},
            {"tags": {"env": "dev", "team": "blue"}},
            {"context": {"aws:CurrentTime": EARLY}},
            {"context": {"AWS:currenttime": LATE}},
            {"context": {"aws:PrincipalTag/Team": "blue"}},
            {"context": {"aws:principaltag/team": "red"}},
            {"mfa": True},
            {"mfa": False},
        ]
    ),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_calls, min_size=2, max_size=12))
def test_sequences_of_look_alike_calls_answer_as_a_fresh_process(calls: list[Any]) -> None:
    """Fold times, equal callers built afresh, reordered tags, same-ARN roles with other
    policies, context keys in other spellings: every answer equals the cold answer."""
    warm = []
    for kind, tags, when, role, options in calls:
        opts = {"at": when, **options}
        warm.append(_answer(ts.assume_role(_caller(kind, tags, when), _ROLES[role], **opts)))
    with _memo.fresh_caches():
        for (kind, tags, when, role, options), expected in zip(calls, warm, strict=True):
            opts = {"at": when, **options}
            outcome = ts.assume_role(_caller(kind, tags, when), _ROLES[role], **opts)
            assert _answer(outcome) == expected
