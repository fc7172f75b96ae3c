"""A loop over thousands of requests keeps every request's plan and derivation (issue 22).

The memos of the decision path (the fast path's plans and kept requests, the facts, the
prepared requests and derived caller keys) are bounded and start afresh when full; a loop
over more requests than a bound found none of its entries again and rebuilt every one on
every pass. The bounds are above the working set of the benchmarks' corpus (4,000 requests)
with room to spare: these tests loop over 6,000 distinct requests (each to its own role)
and count plan builds and derivations, not time (tests/speed/test_memo_keys.py keeps every
bound at most 8,192). Disabling the caches changes no answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from trustsim import _memo, _request_derivation
from trustsim.callers import IamUser, Role
from trustsim.decision import Decision
from trustsim.evaluation import assume_role, decide, evaluate, fast
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, build_request

A = "111122223333"
COUNT = 6000  # above the old bound (4,096) and the corpus's 4,000
TRUST = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:user/alice"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "even"}},
        },
    }
)
ALICE = IamUser(f"arn:aws:iam::{A}:user/alice")
AT = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def roles() -> list[Role]:
    return [Role(f"arn:aws:iam::{A}:role/r{index}", TRUST) for index in range(COUNT)]


@pytest.fixture(scope="module")
def requests(roles: list[Role]) -> list[AssumeRoleRequest]:
    """COUNT requests, each to a role of its own; every other one has the wrong ExternalId."""
    return [
        build_request(ALICE, role, external_id="even" if index % 2 == 0 else "odd")
        for index, role in enumerate(roles)
    ]


@pytest.fixture
def plan_builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[fast.CallPlan]]:
    """Every call plan built while the test runs."""
    built: list[fast.CallPlan] = []

    class Counted(fast.CallPlan):
        __slots__ = ()

        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            built.append(self)

    _memo.clear_caches()
    monkeypatch.setattr(fast, "CallPlan", Counted)
    yield built
    _memo.clear_caches()


def test_the_bounds_are_above_the_corpus_working_set() -> None:
    bounds = _memo.sizes()
    for name in (
        "evaluation: call plans",
        "evaluation: plans by request",
        "evaluation: role facts",
        "evaluation: canonical callers",
        "requests: prepared",
        "derive: caller keys",
    ):
        assert bounds[name][1] >= 2 * 4000 > 4096, name


@pytest.mark.parametrize("function", [decide, evaluate])
def test_a_loop_over_thousands_of_requests_builds_each_plan_once(
    requests: list[AssumeRoleRequest], plan_builds: list[fast.CallPlan], function: object
) -> None:
    def loop() -> list[Decision]:
        if function is decide:
            return [decide(request) for request in requests]
        return [evaluate(request).decision for request in requests]

    first = loop()
    assert len(plan_builds) == COUNT  # one plan per (caller, role, actions)
    for _ in range(2):
        assert loop() == first
    assert len(plan_builds) == COUNT  # none rebuilt: every plan was found again
    assert all(fast.BY_REQUEST[id(request)][0] is request for request in requests)
    assert first == [Decision.ALLOW, Decision.IMPLICIT_DENY] * (COUNT // 2)


def test_the_answers_of_the_loop_do_not_depend_on_the_caches(
    requests: list[AssumeRoleRequest],
) -> None:
    warm = [decide(request) for request in requests[:200]]
    with _memo.fresh_caches():
        cold = [decide(request) for request in requests[:200]]
    with _memo.without_fast_path():
        scanned = [decide(request) for request in requests[:200]]
    assert warm == cold == scanned == [Decision.ALLOW, Decision.IMPLICIT_DENY] * 100


def test_a_kept_request_reads_its_plan_s_own_checks_and_answers(
    requests: list[AssumeRoleRequest],
) -> None:
    """The entry holds what a decision reads; answers learned later are found through it."""
    _memo.clear_caches()
    request = requests[0]
    for _ in range(2):
        assert decide(request) is Decision.ALLOW
    kept, checks, answers, context, values = fast.BY_REQUEST[id(request)]
    plan = fast.request_plan(request)
    assert kept is request
    assert checks is plan.checks
    assert answers is plan.answers
    assert context is request.context
    assert values is request.context.folded
    answers.clear()  # forgotten: the rules answer again, and the entry sees what they learn
    fast.DECIDED.pop(id(request))  # (what decide() keeps for deciding this request again)
    assert decide(request) is Decision.ALLOW
    assert list(fast.BY_REQUEST[id(request)][2].values()) == [Decision.ALLOW]


def test_an_end_to_end_loop_over_thousands_of_calls_prepares_and_plans_each_once(
    roles: list[Role], plan_builds: list[fast.CallPlan], monkeypatch: pytest.MonkeyPatch
) -> None:
    """assume_role with a caller built afresh for every call, as a test suite's loop does."""
    derive = _request_derivation._derive
    derived: list[object] = []

    def counted(*args: object) -> object:
        derived.append(args)
        return derive(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_request_derivation, "_derive", counted)

    def loop() -> list[Decision]:
        return [
            assume_role(
                IamUser(f"arn:aws:iam::{A}:user/alice"),
                role,
                at=AT,  # (without a time, each call is at a time of its own: derived afresh)
                external_id="even" if index % 2 == 0 else "odd",
            ).decision
            for index, role in enumerate(roles)
        ]

    first = loop()
    assert len(derived) == len(plan_builds) == COUNT
    for _ in range(2):
        assert loop() == first
    assert len(derived) == len(plan_builds) == COUNT  # every call found again
    assert first == [Decision.ALLOW, Decision.IMPLICIT_DENY] * (COUNT // 2)
